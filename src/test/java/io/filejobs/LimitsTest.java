package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class LimitsTest {

  @TempDir Path dir;
  Vertx vertx;
  TestServer server;
  NetClient net;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    server = TestServer.start(vertx, dir);
    net = vertx.createNetClient();
  }

  @AfterEach
  void close() {
    net.close().await();
  }

  private String raw(String request) {
    return RawHttp.exchange(vertx, net, server.port, Buffer.buffer(request), 5000).await();
  }

  private static JsonObject body(String raw) {
    return new JsonObject(raw.substring(raw.indexOf("\r\n\r\n") + 4));
  }

  @Test
  @DisplayName("headers over 8 KiB answer 431 and a request line over 4 KiB 414, as JSON")
  void headerLimits() {
    String big = raw("GET /files HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n");
    assertEquals(java.util.List.of(431), RawHttp.statuses(big), big);
    assertEquals("headers_too_large", body(big).getString("error"));
    String longLine = raw("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertEquals(java.util.List.of(414), RawHttp.statuses(longLine), longLine);
    assertEquals("uri_too_long", body(longLine).getString("error"));
    String garbage = raw("\u0001\u0002 nonsense\r\n\r\n");
    assertTrue(garbage.isEmpty() || RawHttp.statuses(garbage).equals(java.util.List.of(400)), garbage);
  }

  @Test
  @DisplayName("a form with a flood of fields is refused with 400 and leaves nothing")
  void formFieldFlood() throws Exception {
    Buffer body = Buffer.buffer();
    for (int i = 0; i < 500; i++) {
      body.appendString("--" + SlowClients.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f" + i
          + "\"\r\n\r\nvalue" + i + "\r\n");
    }
    body.appendBuffer(SlowClients.partHead("file", "late.bin")).appendString("data")
        .appendBuffer(SlowClients.closing());
    HttpResponse<Buffer> response = server.uploadRaw(server.utkal(), body);
    assertEquals(400, response.statusCode(), response.bodyAsString());
    TestServer.await("nothing is left", () -> server.tempFiles().isEmpty());
    assertTrue(!java.nio.file.Files.exists(server.uploads.resolve("Utkal/late.bin")));
  }

  @Test
  @DisplayName("a form field over 4 KiB is refused with 400")
  void bigFormField() {
    Buffer body = Buffer.buffer("--" + SlowClients.BOUNDARY
            + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n" + "n".repeat(20_000) + "\r\n")
        .appendBuffer(SlowClients.partHead("file", "x.bin")).appendString("data")
        .appendBuffer(SlowClients.closing());
    HttpResponse<Buffer> response = server.uploadRaw(server.utkal(), body);
    assertEquals(400, response.statusCode(), response.bodyAsString());
  }

  @Test
  @DisplayName("names that try to escape or break the file system are refused, for uploads and exports")
  void hostileNames() throws Exception {
    String token = server.utkal();
    String[] names = {"a\u0000b", "x".repeat(300), "..", ".", "a/../../b", "c:\\evil", ".hidden"};
    for (String name : names) {
      HttpResponse<Buffer> export = server.client.post("/export").putHeader("auth_token", token)
          .sendJsonObject(new JsonObject().put("filename", name)).await();
      assertEquals(404, export.statusCode(), name);
    }
    // an encoded separator is no separator: it stays in the name, inside the user's folder
    Path file = TestServer.randomFile(dir, "f", 10);
    HttpResponse<Buffer> encoded = server.upload(token, file, "a%2F..%2Fb");
    assertEquals(200, encoded.statusCode());
    assertTrue(java.nio.file.Files.exists(server.uploads.resolve("Utkal").resolve("a%2F..%2Fb")));
    HttpResponse<Buffer> tooLong = server.upload(token, file, "y".repeat(300));
    assertEquals(400, tooLong.statusCode());
  }
}
