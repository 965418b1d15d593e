package io.filejobs.storage;

import java.util.Optional;

/**
 * What counts as a stored file's name: one plain path element, so that no name can reach outside
 * its owner's folder.
 *
 * <p>An uploaded name is reduced to its last path element first (browsers on Windows send {@code
 * C:\Users\me\report.pdf}); then a name is refused when it is empty, {@code .} or {@code ..},
 * starts with a dot, holds a control character, a slash, a backslash or a colon, is not well-formed
 * UTF-16 (an unpaired surrogate, which JSON's {@code \ud800} escape or an RFC 5987 name in CESU-8
 * can carry, has no UTF-8 form and so no file name), or is longer than 255 bytes in UTF-8 (the
 * usual file-system limit).
 */
public final class FileNames {

  /** The longest name, in UTF-8 bytes; also the longest username (it names a folder). */
  public static final int MAX_BYTES = 255;

  /** Why a name was refused, for the client. */
  public static final String UNUSABLE_MESSAGE =
      "the file name cannot be stored: it must be a plain name, not empty, not starting"
          + " with a dot, with no slash, backslash, colon or control character";

  private FileNames() {}

  /** The name itself when it is acceptable as stored; empty otherwise. */
  public static Optional<String> check(String name) {
    if (name == null || name.isEmpty() || name.charAt(0) == '.' || !wellFormed(name)) {
      return Optional.empty();
    }
    if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_BYTES) {
      return Optional.empty();
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':') {
        return Optional.empty();
      }
    }
    return Optional.of(name);
  }

  /** True when every surrogate in {@code name} is half of a pair. */
  private static boolean wellFormed(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < name.length()
          && Character.isLowSurrogate(name.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The name to store an upload under: the last element of what the client sent (after {@code /} or
   * {@code \}), trimmed, then {@link #check checked}.
   */
  public static Optional<String> fromUpload(String clientName) {
    if (clientName == null) {
      return Optional.empty();
    }
    int cut = Math.max(clientName.lastIndexOf('/'), clientName.lastIndexOf('\\'));
    return check(clientName.substring(cut + 1).trim());
  }
}
