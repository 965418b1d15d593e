package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fence around Vert.x's and Netty's internals: only {@code io.filejobs.transport} may use a
 * package named {@code ...impl...} or {@code ...internal...} ({@code io.vertx.core.net.impl},
 * {@code io.vertx.core.internal}, {@code io.netty.util.internal}, and any other library's), so that
 * a Vert.x upgrade has one package to check. Netty fences {@code io.netty.util.internal} the same
 * way. Runs in {@code mvn -B test}, so a use anywhere else fails the build, naming its file and
 * line.
 */
class InternalsFenceTest {

  private static final Path MAIN = Path.of("src", "main", "java");
  private static final Path DOOR = MAIN.resolve(Path.of("io", "filejobs", "transport"));

  /** An import, static or not, of anything inside an {@code impl} or {@code internal} package. */
  private static final Pattern IMPORT =
      Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]*\\.(?:impl|internal)\\.[\\w.*]*)");

  /** A qualified name in code, such as {@code io.vertx.core.net.impl.VertxConnection netty}. */
  private static final Pattern QUALIFIED =
      Pattern.compile("\\b((?:[a-z_][\\w]*\\.)+(?:impl|internal)\\.[A-Za-z_][\\w.]*)");

  @Test
  @DisplayName("no class outside the transport package uses a Vert.x or Netty internal")
  void internalsOnlyInTransport() throws IOException {
    assertTrue(Files.isDirectory(DOOR), "run from the project's folder: no " + DOOR);
    List<String> found = new ArrayList<>();
    int scanned = 0;
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path file :
          (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
        if (file.startsWith(DOOR)) {
          continue;
        }
        scanned++;
        String source = Files.readString(file, StandardCharsets.UTF_8);
        for (String use : internalsIn(source)) {
          found.add(file + ":" + use);
        }
      }
    }
    assertTrue(scanned > 10, "found only " + scanned + " classes under " + MAIN);
    assertEquals(
        List.of(),
        found,
        "Vert.x and Netty internals belong in io.filejobs.transport, behind a method whose javadoc"
            + " says which internal, why, and what to check on an upgrade (and in its"
            + " package-info's list); found elsewhere:\n  "
            + String.join("\n  ", found)
            + "\n");
  }

  @Test
  @DisplayName(
      "the fence sees an internal however it is named in code, and not in comments or" + " strings")
  void fenceSeesInternals() {
    String source =
        String.join(
            "\n",
            "package io.filejobs.http;",
            "",
            "import io.vertx.core.net.impl.VertxConnection;",
            "import static io.netty.util.internal.PlatformDependent.maxDirectMemory;",
            "import io.vertx.core.buffer.Buffer; // not io.vertx.core.internal.buffer.BufferInternal",
            "/** Unlike {@code io.vertx.core.net.impl.VertxConnection}, nothing here. */",
            "class X {",
            "  String s = \"io.vertx.core.internal.buffer.BufferInternal\";",
            "  /* io.vertx.core.impl.ContextInternal",
            "     io.vertx.core.impl.VertxInternal */",
            "  char c = '\"';",
            "  Object o = (io.vertx.core.internal.buffer.BufferInternal) null;",
            "  String t = \"\"\"",
            "      io.vertx.core.impl.ContextInternal",
            "      \"\"\";",
            "  int internal = 1;",
            "  int i = this.internal + 1;",
            "}");
    assertEquals(
        List.of(
            "3: io.vertx.core.net.impl.VertxConnection",
            "4: io.netty.util.internal.PlatformDependent.maxDirectMemory",
            "12: io.vertx.core.internal.buffer.BufferInternal"),
        internalsIn(source));
  }

  /** Each use of an internal in {@code source}, as {@code "<line>: <name>"}. */
  static List<String> internalsIn(String source) {
    String[] lines = codeOnly(source).split("\n", -1);
    List<String> uses = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      Matcher imported = IMPORT.matcher(lines[i]);
      if (imported.find()) {
        uses.add((i + 1) + ": " + imported.group(1));
        continue;
      }
      Matcher named = QUALIFIED.matcher(lines[i]);
      while (named.find()) {
        uses.add((i + 1) + ": " + named.group(1));
      }
    }
    return uses;
  }

  /**
   * {@code source} with every comment, string, text block and character literal blanked out (line
   * breaks kept, so line numbers still hold): what is left is code.
   */
  static String codeOnly(String source) {
    StringBuilder code = new StringBuilder(source.length());
    int n = source.length();
    int i = 0;
    while (i < n) {
      char c = source.charAt(i);
      if (source.startsWith("//", i)) {
        while (i < n && source.charAt(i) != '\n') {
          i++;
          code.append(' ');
        }
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        blank(source, i, end, code);
        i = end;
      } else if (source.startsWith("\"\"\"", i)) {
        int end = closing(source, i + 3, "\"\"\"");
        blank(source, i, end, code);
        i = end;
      } else if (c == '"' || c == '\'') {
        int end = closing(source, i + 1, String.valueOf(c));
        blank(source, i, end, code);
        i = end;
      } else {
        code.append(c);
        i++;
      }
    }
    return code.toString();
  }

  /** Where a literal that opened before {@code from} ends: past its unescaped {@code close}. */
  private static int closing(String source, int from, String close) {
    int i = from;
    while (i < source.length()) {
      if (source.charAt(i) == '\\') {
        i += 2;
      } else if (source.startsWith(close, i)) {
        return i + close.length();
      } else {
        i++;
      }
    }
    return source.length();
  }

  private static void blank(String source, int from, int to, StringBuilder code) {
    for (int i = from; i < to; i++) {
      code.append(source.charAt(i) == '\n' ? '\n' : ' ');
    }
  }
}
