package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * tus-js-client 4.3 (from the npm registry, run by Node) against a real server: the client nobody
 * on the team wrote, as browsers and Node services use it, with its own retries.
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class TusClientTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  TestServer server;
  String token;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestServer.start(vertx, dir);
    token = server.utkal();
  }

  private JsonObject options(int port, Path file, String name) {
    return new JsonObject()
        .put("endpoint", "http://127.0.0.1:" + port + "/tus")
        .put("file", file.toString())
        .put("token", token)
        .put("filename", name);
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] chunk = new byte[1 << 16];
      for (int n; (n = in.read(chunk)) > 0; ) {
        digest.update(chunk, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Path stored(String name) {
    return server.uploads.resolve("Utkal").resolve(name);
  }

  private JsonObject status() {
    HttpResponse<Buffer> answer =
        server.client.get("/upload/status").putHeader("auth_token", token).send().await();
    return answer.statusCode() == 200 ? answer.bodyAsJsonObject() : new JsonObject();
  }

  private int control(String uri) {
    return server.client.post(uri).putHeader("auth_token", token).send().await().statusCode();
  }

  private List<Path> resumableArea() throws IOException {
    Path area = server.uploads.resolve(".resumable");
    if (!Files.exists(area)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(area)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  /** Pauses the user's upload as soon as it runs; fails if it ends first. */
  private void pauseOnceRunning(TusJsClient client) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (control("/upload/pause") != 200) {
      assertTrue(System.nanoTime() < deadline, "the upload never ran: " + client.output());
      Thread.sleep(2);
    }
  }

  @Test
  @DisplayName(
      "tus-js-client uploads with its Authorization header; the stored file has the same SHA-256")
  void plainUpload() throws Exception {
    Path file = TestServer.randomFile(dir, "plain.bin", 12 * 1024 * 1024 + 5);
    try (TusJsClient client = TusJsClient.upload(options(server.port, file, "plain.bin"))) {
      client.awaitEvent("success", WAIT);
      assertEquals(0, client.exitCode(WAIT));
    }
    assertEquals(sha256(file), sha256(stored("plain.bin")));
    assertTrue(resumableArea().isEmpty(), "left: " + resumableArea());
  }

  @Test
  @DisplayName(
      "a connection cut mid-way is resumed by the client itself from where the server says, and"
          + " the file arrives whole")
  void cutAndResume() throws Exception {
    Path file = TestServer.randomFile(dir, "cut.bin", 24 * 1024 * 1024);
    try (CuttingProxy proxy = CuttingProxy.start(server.port);
        TusJsClient client = TusJsClient.upload(options(proxy.port(), file, "cut.bin"))) {
      proxy.cutAfter(10 * 1024 * 1024);
      JsonObject retry = client.awaitEvent("retry", WAIT);
      assertTrue(proxy.awaitCuts(1, WAIT));
      client.awaitEvent("success", WAIT);
      assertEquals(0, client.exitCode(WAIT), client.output());
      assertTrue(retry.getInteger("attempt") >= 1);
      assertTrue(proxy.connections() >= 2, "the client never came back");
    }
    assertEquals(sha256(file), sha256(stored("cut.bin")));
    assertTrue(resumableArea().isEmpty(), "left: " + resumableArea());
  }

  @Test
  @DisplayName(
      "paused from the original API while tus-js-client sends, no byte moves; resumed, the file"
          + " completes")
  void serverSidePause() throws Exception {
    Path file = TestServer.randomFile(dir, "paused.bin", 96 * 1024 * 1024);
    try (TusJsClient client = TusJsClient.upload(options(server.port, file, "paused.bin"))) {
      pauseOnceRunning(client);
      JsonObject paused = status();
      assertEquals("paused", paused.getString("state"));
      long at = paused.getLong("bytes");
      Thread.sleep(500);
      assertEquals(at, status().getLong("bytes"), "bytes moved while paused");
      assertFalse(Files.exists(stored("paused.bin")));
      assertEquals(200, control("/upload/resume"));
      client.awaitEvent("success", WAIT);
    }
    assertEquals(sha256(file), sha256(stored("paused.bin")));
  }

  @Test
  @DisplayName(
      "DELETE /upload/terminate while tus-js-client sends: the client fails with 410 and does not"
          + " start again; nothing is stored and the partial bytes are gone")
  void terminate() throws Exception {
    Path file = TestServer.randomFile(dir, "stop.bin", 96 * 1024 * 1024);
    try (TusJsClient client = TusJsClient.upload(options(server.port, file, "stop.bin"))) {
      pauseOnceRunning(client);
      HttpResponse<Buffer> terminated =
          server.client.delete("/upload/terminate").putHeader("auth_token", token).send().await();
      assertEquals(200, terminated.statusCode(), terminated.bodyAsString());
      JsonObject error = client.awaitEvent("error", WAIT);
      assertEquals(410, error.getInteger("status"), client.output());
      assertEquals(1, client.exitCode(WAIT));
    }
    assertFalse(Files.exists(stored("stop.bin")));
    assertTrue(resumableArea().isEmpty(), "left: " + resumableArea());
    assertEquals(
        404,
        server
            .client
            .get("/upload/status")
            .putHeader("auth_token", token)
            .send()
            .await()
            .statusCode());
  }

  @Test
  @DisplayName("another user's token on the upload URL gets 404: the client cannot resume it")
  void anotherUsersUrl() throws Exception {
    Path file = TestServer.randomFile(dir, "mine.bin", 4 * 1024 * 1024);
    String url;
    try (CuttingProxy proxy = CuttingProxy.start(server.port);
        TusJsClient client =
            TusJsClient.upload(
                options(proxy.port(), file, "mine.bin").put("retryDelays", new JsonArray()))) {
      proxy.cutAfter(1024 * 1024);
      String through = client.awaitEvent("uploadUrl", WAIT).getString("url");
      client.awaitEvent("error", WAIT);
      url = through.replace(":" + proxy.port() + "/", ":" + server.port + "/"); // the proxy is gone
    }
    JsonObject theirs =
        new JsonObject()
            .put("uploadUrl", url)
            .put("file", file.toString())
            .put("token", server.john())
            .put("retryDelays", new JsonArray());
    try (TusJsClient client = TusJsClient.upload(theirs)) {
      JsonObject error = client.awaitEvent("error", WAIT);
      assertEquals(404, error.getInteger("status"), client.output());
    }
    assertEquals("interrupted", status().getString("state"));
    assertFalse(Files.exists(server.uploads.resolve("John")));
  }
}
