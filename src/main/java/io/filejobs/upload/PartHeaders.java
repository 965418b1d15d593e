package io.filejobs.upload;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The header block of one part of a {@link MultipartForm}, gathered byte by byte as the form's
 * framing ({@link FormFraming}) reads it, within a limit of bytes: lines of {@code Name: value},
 * names in lower case.
 */
final class PartHeaders {

  private final int maxBytes;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final Map<String, String> headers = new LinkedHashMap<>();
  private int bytes;

  PartHeaders(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** A new part's headers begin. */
  void reset() {
    bytes = 0;
    line.reset();
    headers.clear();
  }

  /** Counts one byte of the block (line ends included); false once past the limit. */
  boolean count() {
    return ++bytes <= maxBytes;
  }

  /** One byte of the line under way (not its CRLF). */
  void append(byte b) {
    line.write(b);
  }

  /** True when the line that just ended is empty: the block is over. */
  boolean lineIsEmpty() {
    return line.size() == 0;
  }

  /** Takes the line that just ended as a header; false when it is not one. */
  boolean endLine() {
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    int colon = text.indexOf(':');
    if (colon <= 0) {
      return false;
    }
    headers.put(
        text.substring(0, colon).trim().toLowerCase(Locale.ROOT), text.substring(colon + 1).trim());
    return true;
  }

  /** The value of header {@code name} (in lower case); null when the part has none. */
  String get(String name) {
    return headers.get(name);
  }
}
