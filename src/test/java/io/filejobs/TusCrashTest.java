package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL the service (a real child JVM) while tus-js-client uploads to it, and start it again on
 * the same port and folders: the client, retrying by itself, resumes from what reached the disk.
 */
class TusCrashTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  private static HttpResponse<String> post(int port, String path, String token) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .header("auth_token", token)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName(
      "killed with SIGKILL mid-upload and started again, the service lets tus-js-client resume"
          + " where the disk says; the file arrives whole")
  void killAndResume() throws Exception {
    int port = ClusterTest.freePort();
    Map<String, String> env =
        ChildJvm.env(dir, ChildJvm.projectUsers(), "FILEJOBS_HTTP_PORT", Integer.toString(port));
    Path file = TestServer.randomFile(dir, "crash.bin", 160 * 1024 * 1024);
    Path stored = dir.resolve("Uploads/Utkal/crash.bin");
    ChildJvm first = ChildJvm.start(dir, env);
    try (TusJsClient client = startClient(first, port, file)) {
      // Held by a server-side pause, so that the kill comes mid-upload whatever the disk's speed.
      String token = CrashTest.signin(port, "Utkal", "utkal123");
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (post(port, "/upload/pause", token).statusCode() != 200) {
        assertTrue(System.nanoTime() < deadline, "the upload never ran: " + client.output());
        Thread.sleep(5);
      }
      first.kill();
      assertTrue(!Files.exists(stored), "stored before its end");
      long kept;
      try (var parts = Files.list(dir.resolve("Uploads/.resumable/Utkal"))) {
        kept =
            parts
                .filter(p -> p.toString().endsWith(".part"))
                .findFirst()
                .orElseThrow()
                .toFile()
                .length();
      }
      assertTrue(kept > 0 && kept < Files.size(file), "the partial file holds " + kept + " bytes");
      try (ChildJvm second = ChildJvm.start(dir, env)) {
        assertEquals(port, second.port(60));
        client.awaitEvent("success", WAIT);
        assertEquals(0, client.exitCode(WAIT), client.output());
        assertTrue(
            client.events().stream().anyMatch(e -> "retry".equals(e.getString("event"))),
            "the client never had to retry: " + client.output());
      }
    } finally {
      first.close();
    }
    assertEquals(TusClientTest.sha256(file), TusClientTest.sha256(stored));
  }

  private static TusJsClient startClient(ChildJvm node, int port, Path file) throws Exception {
    node.port(60);
    return TusJsClient.upload(
        new JsonObject()
            .put("endpoint", "http://127.0.0.1:" + port + "/tus")
            .put("file", file.toString())
            .put("token", CrashTest.signin(port, "Utkal", "utkal123"))
            .put("filename", "crash.bin")
            // Room for a JVM to start again: the client's default gives up after 9 s.
            .put("retryDelays", new JsonArray().add(0).add(1000).add(2000).add(4000).add(8000)));
  }
}
