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
    assertTrue(
        garbage.isEmpty() || RawHttp.statuses(garbage).equals(java.util.List.of(400)), garbage);
  }

  @Test
  @DisplayName("a form with a flood of fields is refused with 400 and leaves nothing")
  void formFieldFlood() throws Exception {
    Buffer body = Buffer.buffer();
    for (int i = 0; i < 500; i++) {
      body.appendString(
          "--"
              + SlowClients.BOUNDARY
              + "\r\nContent-Disposition: form-data; name=\"f"
              + i
              + "\"\r\n\r\nvalue"
              + i
              + "\r\n");
    }
    body.appendBuffer(SlowClients.partHead("file", "late.bin"))
        .appendString("data")
        .appendBuffer(SlowClients.closing());
    HttpResponse<Buffer> response = server.uploadRaw(server.utkal(), body);
    assertEquals(400, response.statusCode(), response.bodyAsString());
    TestServer.await("nothing is left", () -> server.tempFiles().isEmpty());
    assertTrue(!java.nio.file.Files.exists(server.uploads.resolve("Utkal/late.bin")));
  }

  @Test
  @DisplayName("a form field over 4 KiB is refused with 400")
  void bigFormField() {
    Buffer body =
        Buffer.buffer(
                "--"
                    + SlowClients.BOUNDARY
                    + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
                    + "n".repeat(20_000)
                    + "\r\n")
            .appendBuffer(SlowClients.partHead("file", "x.bin"))
            .appendString("data")
            .appendBuffer(SlowClients.closing());
    HttpResponse<Buffer> response = server.uploadRaw(server.utkal(), body);
    assertEquals(400, response.statusCode(), response.bodyAsString());
  }

  @Test
  @DisplayName(
      "names that try to escape or break the file system are refused, for uploads and exports")
  void hostileNames() throws Exception {
    String token = server.utkal();
    String[] names = {"a\u0000b", "x".repeat(300), "..", ".", "a/../../b", "c:\\evil", ".hidden"};
    for (String name : names) {
      HttpResponse<Buffer> export =
          server
              .client
              .post("/export")
              .putHeader("auth_token", token)
              .sendJsonObject(new JsonObject().put("filename", name))
              .await();
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

  @Test
  @DisplayName(
      "a request expecting anything but 100-continue is answered 417 at once, before its body, on every call, and its connection is closed")
  void unsupportedExpectation() throws Exception {
    String token = server.utkal();
    String[] heads = {
      "POST /upload HTTP/1.1\r\nHost: x\r\nauth_token: "
          + token
          + "\r\nContent-Type:"
          + " multipart/form-data; boundary="
          + SlowClients.BOUNDARY
          + "\r\nContent-Length: 1000000\r\nExpect: 200-ok\r\n\r\n",
      "POST /export HTTP/1.1\r\nHost: x\r\nauth_token: "
          + token
          + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 200-OK\r\n\r\n",
      "POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100\r\nExpect: 100-continue, x-other\r\n\r\n",
      "POST /nothing HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 200-ok\r\n\r\n",
    };
    for (String head : heads) {
      String what = head.substring(0, head.indexOf('\r'));
      io.vertx.core.net.NetSocket socket = net.connect(server.port, "127.0.0.1").await();
      Buffer received = Buffer.buffer();
      io.vertx.core.Promise<Long> answered = io.vertx.core.Promise.promise();
      io.vertx.core.Promise<Long> closed = io.vertx.core.Promise.promise();
      long sent = System.nanoTime();
      socket.handler(
          bytes -> {
            received.appendBuffer(bytes);
            if (received.toString().endsWith("}")) {
              answered.tryComplete((System.nanoTime() - sent) / 1_000_000);
            }
          });
      socket.closeHandler(v -> closed.tryComplete((System.nanoTime() - sent) / 1_000_000));
      socket.write(head); // and never the body it announces

      long answerMs = answered.future().timeout(1, java.util.concurrent.TimeUnit.SECONDS).await();
      String raw = received.toString();
      assertEquals(java.util.List.of(417), RawHttp.statuses(raw), what + ": " + raw);
      assertEquals("expectation_failed", body(raw).getString("error"), raw);
      assertTrue(raw.toLowerCase().contains("connection: close"), raw);
      long closeMs = closed.future().timeout(5, java.util.concurrent.TimeUnit.SECONDS).await();
      assertTrue(answerMs < 1000 && closeMs >= answerMs, what + ": " + answerMs + " / " + closeMs);
    }
    assertTrue(server.tempFiles().isEmpty());
  }

  @Test
  @DisplayName("an upload with Expect: 100-continue still works, with curl")
  void expectContinueUpload() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.nio.file.Files.isExecutable(Path.of("/usr/bin/curl")), "no curl here");
    Path file = TestServer.randomFile(dir, "big.bin", 3_000_000);
    Path traceFile = dir.resolve("curl-trace.txt");
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sS",
                "-v",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-H",
                "auth_token: " + server.utkal(),
                "-H",
                "Expect: 100-continue",
                "-F",
                "file=@" + file,
                "http://127.0.0.1:" + server.port + "/upload")
            .redirectError(traceFile.toFile())
            .start();
    String code =
        new String(curl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(curl.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
    String trace = java.nio.file.Files.readString(traceFile);
    assertEquals("200", code, trace);
    assertTrue(trace.contains("< HTTP/1.1 100 Continue"), trace);
    assertTrue(
        java.util.Arrays.equals(
            java.nio.file.Files.readAllBytes(file),
            java.nio.file.Files.readAllBytes(server.uploads.resolve("Utkal/big.bin"))));
  }
}
