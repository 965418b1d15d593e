package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class RequestErrorsTest {

  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestServer.start(vertx, TestServer.settings(dir).withMaxUploadBytes(1_000_000));
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    assertEquals("application/json", response.getHeader("Content-Type"));
    JsonObject body = response.bodyAsJsonObject();
    assertEquals(code, body.getString("error"));
    assertFalse(body.getString("message").isBlank());
    assertFalse(response.bodyAsString().contains("Exception"), "exception name leaked");
  }

  private boolean nothingStored() {
    Path user = server.uploads.resolve("Utkal");
    try (var files =
        Files.exists(user) ? Files.list(user) : java.util.stream.Stream.<Path>empty()) {
      return files.findAny().isEmpty() && server.tempFiles().isEmpty();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  @DisplayName("an upload that is not multipart is refused with 415 and stores nothing")
  void uploadNotMultipart() throws Exception {
    HttpResponse<Buffer> response =
        server
            .client
            .post("/upload")
            .putHeader("auth_token", server.utkal())
            .putHeader("Content-Type", "application/octet-stream")
            .sendBuffer(Buffer.buffer("raw bytes"))
            .await();
    assertError(response, 415, "unsupported_media_type");
    assertTrue(nothingStored());
  }

  @Test
  @DisplayName("a form without a field named file is refused with 400 and stores nothing")
  void uploadWithoutFileField() throws Exception {
    Buffer body =
        Buffer.buffer()
            .appendBuffer(SlowClients.partHead("document", "a.txt"))
            .appendString("hello")
            .appendBuffer(SlowClients.closing());
    HttpResponse<Buffer> response = server.uploadRaw(server.utkal(), body);
    assertError(response, 400, "bad_request");
    TestServer.await("nothing is left", this::nothingStored);
  }

  @Test
  @DisplayName(
      "an upload announcing more than the size limit is refused with 413 before any byte is read")
  void uploadTooLargeDeclared(Vertx vertx) throws Exception {
    // As curl does for large files: the headers with Expect: 100-continue, then wait for an
    // answer. A raw socket, because the answer is followed at once by the connection's close.
    String head =
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nauth_token: "
            + server.utkal()
            + "\r\n"
            + "Content-Type: multipart/form-data; boundary="
            + SlowClients.BOUNDARY
            + "\r\n"
            + "Content-Length: 2000000\r\nExpect: 100-continue\r\n\r\n";
    io.vertx.core.net.NetClient net = vertx.createNetClient();
    io.vertx.core.Promise<String> answer = io.vertx.core.Promise.promise();
    Buffer received = Buffer.buffer();
    io.vertx.core.net.NetSocket socket = net.connect(server.port, "127.0.0.1").await();
    socket.handler(received::appendBuffer);
    socket.closeHandler(v -> answer.tryComplete(received.toString()));
    socket.write(head);
    String raw = answer.future().await();

    assertTrue(raw.startsWith("HTTP/1.1 413"), raw);
    JsonObject body = new JsonObject(raw.substring(raw.indexOf("\r\n\r\n") + 4));
    assertEquals("payload_too_large", body.getString("error"));
    assertTrue(nothingStored());
    net.close().await();
  }

  @Test
  @DisplayName(
      "a chunked upload that runs past the size limit is refused with 413 and its temp file removed")
  void uploadTooLargeStreamed() throws Exception {
    Path big = TestServer.randomFile(dir, "big.bin", 1_500_000);
    HttpResponse<Buffer> response = server.upload(server.utkal(), big, "big.bin");
    assertError(response, 413, "payload_too_large");
    TestServer.await("nothing is left", this::nothingStored);
  }

  @Test
  @DisplayName("malformed JSON, a JSON array and missing fields on /signin and /export answer 400")
  void badJson() {
    String token = server.utkal();
    for (String body :
        new String[] {
          "{", "[1,2]", "{}", "{\"username\":\"Utkal\"}", "{\"username\":1,\"password\":2}", "null"
        }) {
      HttpResponse<Buffer> signin =
          server
              .client
              .post("/signin")
              .putHeader("Content-Type", "application/json")
              .sendBuffer(Buffer.buffer(body))
              .await();
      assertError(signin, 400, "bad_request");
    }
    for (String body : new String[] {"{", "[]", "{}", "{\"filename\":42}", "{\"filename\":\"\"}"}) {
      HttpResponse<Buffer> export =
          server
              .client
              .post("/export")
              .putHeader("auth_token", token)
              .putHeader("Content-Type", "application/json")
              .sendBuffer(Buffer.buffer(body))
              .await();
      assertError(export, 400, "bad_request");
    }
  }

  @Test
  @DisplayName("JSON calls with another content type answer 415")
  void wrongJsonContentType() {
    HttpResponse<Buffer> signin =
        server
            .client
            .post("/signin")
            .putHeader("Content-Type", "text/plain")
            .sendBuffer(Buffer.buffer("{\"username\":\"Utkal\",\"password\":\"utkal123\"}"))
            .await();
    assertError(signin, 415, "unsupported_media_type");
    HttpResponse<Buffer> export =
        server
            .client
            .post("/export")
            .putHeader("auth_token", server.utkal())
            .putHeader("Content-Type", "application/x-www-form-urlencoded")
            .sendBuffer(Buffer.buffer("filename=a"))
            .await();
    assertError(export, 415, "unsupported_media_type");
  }

  @Test
  @DisplayName("unknown calls answer 404 and wrong methods 405, both as JSON")
  void unknownCalls() {
    assertError(server.client.get("/nothing").send().await(), 404, "not_found");
    assertError(server.client.get("/signin").send().await(), 405, "method_not_allowed");
    assertError(
        server
            .client
            .post("/upload/terminate")
            .putHeader("auth_token", server.utkal())
            .send()
            .await(),
        405,
        "method_not_allowed");
  }

  @Test
  @DisplayName("a JSON body over the limit answers 413")
  void jsonTooLarge() {
    String huge = "{\"filename\":\"" + "a".repeat(100_000) + "\"}";
    HttpResponse<Buffer> response =
        server
            .client
            .post("/export")
            .putHeader("auth_token", server.utkal())
            .putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer(huge))
            .await();
    assertError(response, 413, "payload_too_large");
  }

  @Test
  @DisplayName(
      "a multipart Content-Type the decoder refuses answers 400, leaves nothing, and frees the slot")
  void undecodableMultipart() throws Exception {
    String token = server.utkal();
    HttpResponse<Buffer> response =
        server
            .client
            .post("/upload")
            .putHeader("auth_token", token)
            .putHeader("Content-Type", "multipart/form-data; boundary=XX; charset=nope")
            .sendBuffer(Buffer.buffer("--XX\r\n"))
            .await();
    assertError(response, 400, "bad_request");
    TestServer.await("nothing is left", this::nothingStored);
    Path file = TestServer.randomFile(dir, "ok.bin", 1000);
    assertEquals(200, server.upload(token, file, "ok.bin").statusCode(), "the slot must be free");
  }

  @Test
  @DisplayName(
      "a form that ends without its closing boundary answers 400, leaves nothing, and frees the slot")
  void truncatedMultipart() throws Exception {
    String token = server.utkal();
    Buffer body =
        Buffer.buffer()
            .appendBuffer(SlowClients.partHead("file", "cut.bin"))
            .appendBytes(new byte[300_000]);
    HttpResponse<Buffer> response = server.uploadRaw(token, body);
    assertError(response, 400, "bad_request");
    TestServer.await("nothing is left", this::nothingStored);
    Path file = TestServer.randomFile(dir, "ok.bin", 1000);
    assertEquals(200, server.upload(token, file, "ok.bin").statusCode(), "the slot must be free");
  }

  @Test
  @DisplayName(
      "an export of a name that is not well-formed Unicode (a lone surrogate) answers 404 and the next export works")
  void exportLoneSurrogate() throws Exception {
    String token = server.utkal();
    Path file =
        TestServer.randomFile(
            Files.createDirectories(server.uploads.resolve("Utkal")), "real.bin", 100_000);
    for (String name : new String[] {"\\ud800", "a\\udc00b", "\\ud83d.txt"}) {
      HttpResponse<Buffer> refused =
          server
              .client
              .post("/export")
              .putHeader("auth_token", token)
              .putHeader("Content-Type", "application/json")
              .sendBuffer(Buffer.buffer("{\"filename\":\"" + name + "\"}"))
              .await();
      assertError(refused, 404, "not_found");
    }
    HttpResponse<Buffer> export =
        server
            .client
            .post("/export")
            .putHeader("auth_token", token)
            .sendJsonObject(new JsonObject().put("filename", "real.bin"))
            .await();
    assertEquals(200, export.statusCode(), export.bodyAsString());
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(file), export.body().getBytes()));
  }

  @Test
  @DisplayName(
      "an upload whose RFC 5987 file name decodes to a lone surrogate answers 400, stores nothing, and the next upload works")
  void uploadLoneSurrogate() throws Exception {
    String token = server.utkal();
    // CESU-8 and UTF-32 are charsets the JDK knows that decode to an unpaired surrogate
    for (String extended : new String[] {"CESU-8''a%ED%A0%80b.txt", "UTF-32BE''%00%00%DC%00.txt"}) {
      Buffer body =
          Buffer.buffer(
                  "--"
                      + SlowClients.BOUNDARY
                      + "\r\n"
                      + "Content-Disposition: form-data; name=\"file\"; filename=\"plain.txt\";"
                      + " filename*="
                      + extended
                      + "\r\n"
                      + "Content-Type: application/octet-stream\r\n\r\n")
              .appendString("hello")
              .appendBuffer(SlowClients.closing());
      HttpResponse<Buffer> response = server.uploadRaw(token, body);
      assertError(response, 400, "bad_request");
      TestServer.await("nothing is left", this::nothingStored);
    }
    Path file = TestServer.randomFile(dir, "ok.bin", 1000);
    assertEquals(200, server.upload(token, file, "ok.bin").statusCode(), "the slot must be free");
  }
}
