package io.filejobs.upload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.NoBlockedThreads;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multipart reader over real streams: a form written to a file and read back through an {@link
 * AsyncFile} in pieces of every size from 1 byte up, so that every boundary, header and line end
 * falls across two pieces somewhere. (The HTTP tests cover the same reader behind a real server;
 * sockets do not let a test choose where a body is cut.)
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class MultipartFormTest {

  static final String BOUNDARY = "----------------------------d74496d66958873e";
  static final String TYPE = "multipart/form-data; boundary=" + BOUNDARY;

  @TempDir Path dir;

  /** What a form delivered: its file parts' names and bytes, and how it ended. */
  record Read(List<String> names, List<byte[]> files, String error, boolean ended) {}

  @Test
  @DisplayName("a file part comes through byte for byte, however the body is cut into pieces")
  void fileThroughEveryCut(Vertx vertx) throws Exception {
    // Content that keeps starting the delimiter: CRs, CRLFs, dashes and the boundary less a byte.
    String almost = "\r\n--" + BOUNDARY.substring(0, BOUNDARY.length() - 1);
    byte[] content =
        ("a\rb\r\nc\r\n-d\r\n--e" + almost + "x" + almost + "\r\r\n\r\n--" + "\r")
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] body =
        form(
            "preamble to ignore\r\n",
            field("note", "a field\r\nof two lines"),
            filePart("file", "filename=\"a.bin\"", content),
            field("after", "x"));
    for (int piece = 1; piece <= 2 * BOUNDARY.length() + 8; piece++) {
      Read read = read(vertx, body, piece);
      assertNull(read.error(), "piece " + piece);
      assertTrue(read.ended(), "piece " + piece);
      assertEquals(List.of("a.bin"), read.names(), "piece " + piece);
      assertArrayEquals(content, read.files().get(0), "piece " + piece);
    }
  }

  @Test
  @DisplayName("a large random file comes through whole in large pieces, and a file may be empty")
  void largeAndEmpty(Vertx vertx) throws Exception {
    byte[] content = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(content);
    byte[] body =
        form(
            "",
            filePart("file", "filename=\"big.bin\"", content),
            filePart("file", "filename=\"empty.txt\"", new byte[0]));
    for (int piece : new int[] {8192, 65536, 1 << 20}) {
      Read read = read(vertx, body, piece);
      assertNull(read.error());
      assertEquals(List.of("big.bin", "empty.txt"), read.names());
      assertArrayEquals(content, read.files().get(0));
      assertEquals(0, read.files().get(1).length);
    }
  }

  @Test
  @DisplayName("file names: quoted with escapes, RFC 5987 filename*, and Windows paths as sent")
  void fileNames(Vertx vertx) throws Exception {
    byte[] body =
        form(
            "",
            filePart("file", "filename=\"say \\\"hi\\\".txt\"", new byte[] {1}),
            filePart(
                "file",
                "filename=\"plain.txt\"; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.txt",
                new byte[] {2}),
            filePart("file", "filename=\"C:\\Users\\me\\report.pdf\"", new byte[] {3}));
    Read read = read(vertx, body, 7);
    assertNull(read.error());
    assertEquals(
        List.of("say \"hi\".txt", "naïve résumé.txt", "C:\\Users\\me\\report.pdf"), read.names());
  }

  @Test
  @DisplayName("a body that ends before the closing boundary fails instead of ending")
  void missingClose(Vertx vertx) throws Exception {
    byte[] whole =
        form("", filePart("file", "filename=\"a.bin\"", "abc".getBytes(StandardCharsets.US_ASCII)));
    int close = whole.length - "--\r\nepilogue, ignored".length(); // just past the last boundary
    for (int cut : new int[] {close + 1, close, close - 3, close - BOUNDARY.length() - 4, 20}) {
      byte[] body = java.util.Arrays.copyOf(whole, cut);
      Read read = read(vertx, body, 5);
      assertEquals("the form ended before its closing boundary", read.error(), "cut at " + cut);
      assertTrue(!read.ended());
    }
  }

  @Test
  @DisplayName("broken framing and passed limits fail with a message that says which")
  void brokenForms(Vertx vertx) throws Exception {
    assertEquals(
        "a part has no Content-Disposition: form-data header",
        read(
                vertx,
                ("--"
                        + BOUNDARY
                        + "\r\nContent-Type: text/plain\r\n\r\nx\r\n--"
                        + BOUNDARY
                        + "--\r\n")
                    .getBytes(StandardCharsets.US_ASCII),
                3)
            .error());
    assertEquals(
        "a boundary is not followed by a line end",
        read(vertx, ("--" + BOUNDARY + "xyz\r\n").getBytes(StandardCharsets.US_ASCII), 4).error());
    assertEquals(
        "the form does not begin with its boundary",
        read(vertx, new byte[MultipartForm.MAX_PREAMBLE_BYTES + 100], 1000).error());
    assertEquals(
        "a form field is longer than 4096 bytes",
        read(vertx, form("", field("big", "x".repeat(4097))), 512).error());
    List<byte[]> many = new ArrayList<>();
    for (int i = 0; i <= MultipartForm.MAX_FIELDS; i++) {
      many.add(field("f" + i, "v"));
    }
    assertEquals(
        "the form has more than 32 fields",
        read(vertx, form("", many.toArray(byte[][]::new)), 100).error());
    assertEquals(
        "a part's headers are longer than 8192 bytes",
        read(
                vertx,
                form(
                    "",
                    filePart(
                        "file", "filename=\"a\"; x=\"" + "y".repeat(9000) + "\"", new byte[1])),
                1000)
            .error());
  }

  @Test
  @DisplayName("a Content-Type without a usable boundary is refused before reading")
  void boundaries() {
    assertEquals("abc", MultipartForm.boundary("multipart/form-data; boundary=abc"));
    assertEquals(
        "a b:c", MultipartForm.boundary("multipart/form-data; charset=utf-8; BOUNDARY=\"a b:c\""));
    for (String bad :
        new String[] {
          "multipart/form-data",
          "multipart/form-data; boundary=",
          "multipart/form-data; boundary=\"abc",
          "multipart/form-data; boundary=" + "x".repeat(71)
        }) {
      assertThrows(MultipartForm.FormException.class, () -> MultipartForm.boundary(bad), bad);
    }
  }

  // --- forms ---

  static byte[] form(String preamble, byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(preamble.getBytes(StandardCharsets.ISO_8859_1));
    for (byte[] part : parts) {
      out.writeBytes(("--" + BOUNDARY + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.writeBytes(part);
      out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    out.writeBytes(
        ("--" + BOUNDARY + "--\r\nepilogue, ignored").getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  static byte[] field(String name, String value) {
    return ("Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value)
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] filePart(String name, String filenameParams, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        ("Content-Disposition: form-data; name=\""
                + name
                + "\"; "
                + filenameParams
                + "\r\nContent-Type: application/octet-stream\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    out.writeBytes(content);
    return out.toByteArray();
  }

  /** Writes {@code body} to a file and reads it through a form, {@code piece} bytes at a time. */
  Read read(Vertx vertx, byte[] body, int piece) throws Exception {
    Path file = Files.write(Files.createTempFile(dir, "form", ".bin"), body);
    Promise<Read> done = Promise.promise();
    vertx.runOnContext(v -> readOnContext(vertx, file, piece).onComplete(done));
    Read read = done.future().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    Files.delete(file);
    return read;
  }

  private static Future<Read> readOnContext(Vertx vertx, Path file, int piece) {
    return vertx
        .fileSystem()
        .open(file.toString(), new OpenOptions().setRead(true))
        .compose(
            async -> {
              async.setReadBufferSize(piece).pause();
              // a read still under way when the file is closed at the end fails: that is no news
              async.exceptionHandler(e -> {});
              Promise<Read> result = Promise.promise();
              List<String> names = new ArrayList<>();
              List<byte[]> files = new ArrayList<>();
              MultipartForm form = MultipartForm.of(async, TYPE);
              form.fileHandler(
                      part -> {
                        names.add(part.filename());
                        Buffer bytes = Buffer.buffer();
                        files.add(null);
                        int index = files.size() - 1;
                        part.handler(
                            data -> {
                              bytes.appendBuffer(data);
                              // some back-pressure: pause on every piece, resume a moment later
                              part.pause();
                              vertx.runOnContext(x -> part.resume());
                            });
                        part.endHandler(x -> files.set(index, bytes.getBytes()));
                      })
                  .endHandler(v -> result.tryComplete(new Read(names, files, null, true)))
                  .exceptionHandler(
                      e -> result.tryComplete(new Read(names, files, e.getMessage(), false)));
              form.start();
              return result.future().eventually(async::close);
            });
  }
}
