package io.filejobs.storage;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The encoding the JVM turns file names into bytes with, which filejobs needs to be UTF-8.
 *
 * <p>The JDK picks it once, as it starts, from the process locale ({@code sun.jnu.encoding}; a
 * {@code -Dsun.jnu.encoding} on the command line is ignored, and nothing changes it later). Under a
 * POSIX locale ({@code LANG=C}, common in containers) it is ASCII, and every path holding a
 * non-ASCII name throws {@code InvalidPathException}: an upload of {@code café.txt} would be read
 * whole and then fail with 500. {@code Main} runs the service again under a UTF-8 locale when it
 * finds another encoding; a node that still has none refuses to start with {@link #problem}.
 */
public final class FileNameEncoding {

  private FileNameEncoding() {}

  /** The JVM's file-name encoding, as the JDK names it ({@code ANSI_X3.4-1968} for ASCII). */
  public static String current() {
    String jnu = System.getProperty("sun.jnu.encoding");
    return jnu != null
        ? jnu
        : System.getProperty("native.encoding", Charset.defaultCharset().name());
  }

  /** True when file names are encoded in UTF-8. */
  public static boolean isUtf8() {
    try {
      return Charset.forName(current()).equals(StandardCharsets.UTF_8);
    } catch (IllegalArgumentException unknown) {
      return false;
    }
  }

  /** The one line a node that cannot store non-ASCII names says, with the fix. */
  public static String problem() {
    return "file names need UTF-8, but this JVM encodes them as "
        + current()
        + ", which it takes from the process locale: set a UTF-8 locale the system has"
        + " (locale -a lists them), e.g. LC_ALL=C.UTF-8";
  }
}
