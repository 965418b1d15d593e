package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A user's files as resources: PUT stores a raw body (curl -T), DELETE removes a file. */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class FileResourcesTest {

  @TempDir Path dir;
  TestServer server;
  String token;

  @BeforeEach
  void start(Vertx vertx) {
    server =
        TestServer.start(
            vertx, TestServer.settings(dir).toBuilder().maxUploadBytes(4_000_000).build());
    token = server.utkal();
  }

  private Path stored(String name) {
    return server.uploads.resolve("Utkal").resolve(name);
  }

  /** Runs curl; its stdout (the answer's body, then the status on the last line). */
  private List<String> curl(String... args) throws Exception {
    List<String> command =
        new java.util.ArrayList<>(List.of("curl", "-sS", "-w", "\n%{http_code}"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    return List.of(out.split("\n"));
  }

  private String url(String name) {
    return "http://127.0.0.1:" + server.port + "/files/" + name;
  }

  @Test
  @DisplayName("curl -T stores the file under its name: 201 when new, 200 when it replaces one")
  void curlPut() throws Exception {
    Path first = TestServer.randomFile(dir, "first.bin", 1_500_000);
    Path second = TestServer.randomFile(dir, "second.bin", 700_000);
    List<String> created =
        curl("-T", first.toString(), "-H", "auth_token: " + token, url("movie.mkv"));
    assertEquals("201", created.get(created.size() - 1), String.join("\n", created));
    JsonObject body = new JsonObject(created.get(0));
    assertEquals("movie.mkv", body.getString("filename"));
    assertEquals(1_500_000, body.getLong("size"));
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(stored("movie.mkv")));

    List<String> replaced =
        curl("-T", second.toString(), "-H", "Authorization: Bearer " + token, url("movie.mkv"));
    assertEquals("200", replaced.get(replaced.size() - 1), String.join("\n", replaced));
    assertArrayEquals(Files.readAllBytes(second), Files.readAllBytes(stored("movie.mkv")));

    List<String> named =
        curl(
            "-T",
            second.toString(),
            "-H",
            "auth_token: " + token,
            url("r%C3%A9sum%C3%A9%20final.pdf"));
    assertEquals("201", named.get(named.size() - 1), String.join("\n", named));
    assertTrue(Files.exists(stored("résumé final.pdf")));
    assertTrue(server.tempFiles().isEmpty());
  }

  @Test
  @DisplayName(
      "a PUT with a name no file can have, or larger than the limit, gets 400 or 413 and stores nothing")
  void badPuts() throws Exception {
    for (String name : new String[] {".hidden", "a%2Fb", "a%5Cb", "..", "%00x"}) {
      HttpResponse<Buffer> answer =
          server
              .client
              .put("/files/" + name)
              .putHeader("auth_token", token)
              .sendBuffer(Buffer.buffer("x"))
              .await();
      // "/files/.." is normalized by the router to "/", which is no call: 404
      int expected = name.equals("..") ? 404 : 400;
      assertEquals(expected, answer.statusCode(), name + ": " + answer.bodyAsString());
    }
    HttpResponse<Buffer> declared =
        server
            .client
            .put("/files/big.bin")
            .putHeader("auth_token", token)
            .sendBuffer(Buffer.buffer(new byte[4_000_001]))
            .await();
    assertEquals(413, declared.statusCode());
    assertFalse(Files.exists(stored("big.bin")));
    assertFalse(
        Files.exists(server.uploads.resolve("Utkal"))
            && Files.list(server.uploads.resolve("Utkal")).findAny().isPresent());
    assertTrue(server.tempFiles().isEmpty());
  }

  @Test
  @DisplayName("a chunked PUT past the limit is cut off with 413 mid-stream, and nothing is left")
  void chunkedPastTheLimit(Vertx vertx) throws Exception {
    HttpClient http = vertx.createHttpClient();
    HttpClientResponse response =
        http.request(HttpMethod.PUT, server.port, "127.0.0.1", "/files/chunked.bin")
            .compose(
                request -> {
                  request.setChunked(true).putHeader("auth_token", token);
                  for (int i = 0; i < 80; i++) {
                    request.write(Buffer.buffer(new byte[64 * 1024]));
                  }
                  request.end();
                  return request.response();
                })
            .await();
    assertEquals(413, response.statusCode());
    assertFalse(Files.exists(stored("chunked.bin")));
    TestServer.await("no temp file is left", () -> server.tempFiles().isEmpty());
  }

  @Test
  @DisplayName("a PUT is an upload job: the original API terminates it, and nothing is stored")
  void terminatePut(Vertx vertx) throws Exception {
    NetSocket socket = vertx.createNetClient().connect(server.port, "127.0.0.1").await();
    Promise<String> answer = Promise.promise();
    StringBuilder read = new StringBuilder();
    socket.handler(b -> read.append(b.toString()));
    socket.closeHandler(v -> answer.tryComplete(read.toString()));
    socket
        .write(
            Buffer.buffer(
                "PUT /files/held.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nauth_token: "
                    + token
                    + "\r\nContent-Length: 3000000\r\n\r\n"))
        .await();
    socket.write(Buffer.buffer(new byte[500_000])).await();
    TestServer.await(
        "the PUT runs",
        () ->
            server
                    .client
                    .get("/upload/status")
                    .putHeader("auth_token", token)
                    .send()
                    .await()
                    .statusCode()
                == 200);
    HttpResponse<Buffer> terminated =
        server.client.delete("/upload/terminate").putHeader("auth_token", token).send().await();
    assertEquals(200, terminated.statusCode(), terminated.bodyAsString());
    assertEquals("held.bin", terminated.bodyAsJsonObject().getString("filename"));
    String raw = answer.future().await(5, TimeUnit.SECONDS);
    assertTrue(raw.startsWith("HTTP/1.1 409"), raw);
    assertFalse(Files.exists(stored("held.bin")));
    TestServer.await("no temp file is left", () -> server.tempFiles().isEmpty());
  }

  @Test
  @DisplayName(
      "DELETE removes a file (204), then 404; another user's file is 404 alike; an export already"
          + " reading it finishes whole")
  void delete(Vertx vertx) throws Exception {
    Path file = TestServer.randomFile(dir, "gone.bin", 3_000_000);
    assertEquals(200, server.upload(token, file, "gone.bin").statusCode());
    HttpClient http = vertx.createHttpClient();
    SlowClients.Export reading = SlowClients.Export.start(http, server.port, token, "gone.bin");
    HttpClientResponse response = reading.response.await();
    assertEquals(200, response.statusCode());

    String john = server.john();
    assertEquals(
        404,
        server
            .client
            .delete("/files/gone.bin")
            .putHeader("auth_token", john)
            .send()
            .await()
            .statusCode());
    HttpResponse<Buffer> deleted =
        server.client.delete("/files/gone.bin").putHeader("auth_token", token).send().await();
    assertEquals(204, deleted.statusCode(), deleted.bodyAsString());
    assertFalse(Files.exists(stored("gone.bin")));
    assertEquals(
        404,
        server
            .client
            .delete("/files/gone.bin")
            .putHeader("auth_token", token)
            .send()
            .await()
            .statusCode());
    assertEquals(
        0,
        server
            .client
            .get("/files")
            .putHeader("auth_token", token)
            .send()
            .await()
            .bodyAsJsonObject()
            .getJsonArray("files")
            .size());

    assertTrue(reading.readRest(response).await(), "the export was cut short");
    assertEquals(
        TusClientTest.sha256(file), java.util.HexFormat.of().formatHex(reading.sha256.digest()));
  }

  @Test
  @DisplayName("GET /files tells each file's strong ETag, which changes when the file is replaced")
  void listedTags() throws Exception {
    Path file = TestServer.randomFile(dir, "t.bin", 1000);
    assertEquals(200, server.upload(token, file, "t.bin").statusCode());
    String first = listedTag("t.bin");
    assertTrue(first.matches("\"[0-9a-f]+-[0-9a-f]+\""), first);
    assertEquals(first, listedTag("t.bin"));
    assertEquals(200, server.upload(token, file, "t.bin").statusCode());
    assertFalse(first.equals(listedTag("t.bin")), "a replaced file kept its tag");
  }

  private String listedTag(String name) {
    return server
        .client
        .get("/files")
        .putHeader("auth_token", token)
        .send()
        .await()
        .bodyAsJsonObject()
        .getJsonArray("files")
        .stream()
        .map(JsonObject.class::cast)
        .filter(f -> name.equals(f.getString("name")))
        .findFirst()
        .orElseThrow()
        .getString("etag");
  }
}
