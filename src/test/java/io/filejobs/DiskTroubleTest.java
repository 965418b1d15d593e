package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the disk fails an upload, or a file changes under an export: a clear answer, no hang, no
 * temp file left, the job freed. The failures are real: a full tmpfs mounted for the test where the
 * machine allows it (root), and a file-size limit ({@code ulimit -f}) that makes the OS fail the
 * write everywhere.
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class DiskTroubleTest {

  private static final Logger log = LoggerFactory.getLogger(DiskTroubleTest.class);

  @TempDir Path dir;

  @Test
  @DisplayName(
      "a full disk (a 4 MiB tmpfs) fails an 8 MiB upload with 507, removes its temp file and frees the job")
  void fullDisk() throws Exception {
    Path small = dir.resolve("small");
    Files.createDirectories(small);
    Assumptions.assumeTrue(
        mountTmpfs(small, "4m"),
        "cannot mount a tmpfs here (needs root); writeFailsPastTheFileSizeLimit covers a failing write");
    log.info("fullDisk runs on a real 4 MiB tmpfs");
    Settings settings = TestServer.settings(small);
    Vertx node = FileJobs.vertx(settings).await();
    try {
      TestServer server = TestServer.start(node, settings);
      String token = server.utkal();
      HttpResponse<Buffer> full =
          server.upload(token, TestServer.randomFile(dir, "big.bin", 8 << 20), "big.bin");
      assertEquals(507, full.statusCode(), full.bodyAsString());
      assertEquals("insufficient_storage", full.bodyAsJsonObject().getString("error"));
      assertTrue(full.bodyAsJsonObject().getString("message").contains("nothing was stored"));
      assertEquals(List.of(), server.tempFiles(), "the temp file must be removed");
      assertFalse(Files.exists(small.resolve("Uploads/Utkal/big.bin")));
      assertEquals(
          404,
          server
              .client
              .get("/upload/status")
              .putHeader("auth_token", token)
              .send()
              .await()
              .statusCode(),
          "the job must be freed");

      Path fits = TestServer.randomFile(dir, "fits.bin", 100_000);
      assertEquals(
          200,
          server.upload(token, fits, "fits.bin").statusCode(),
          "the room the failed upload took is given back");
      assertArrayEquals(
          Files.readAllBytes(fits), Files.readAllBytes(small.resolve("Uploads/Utkal/fits.bin")));
      server.close();
    } finally {
      node.close().await();
      new ProcessBuilder("umount", "-l", small.toString())
          .inheritIO()
          .start()
          .waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName(
      "a write the OS refuses (past ulimit -f) fails the upload with 507 and a message, no hang, temp file removed, job freed")
  void writeFailsPastTheFileSizeLimit() throws Exception {
    Map<String, String> env = ChildJvm.env(dir, ChildJvm.projectUsers());
    try (ChildJvm node = ChildJvm.startWithFileSizeLimit(2048, dir, env)) {
      int port = node.port(60);
      String token = CrashTest.signin(port, "Utkal", "utkal123");
      Path big = TestServer.randomFile(dir, "big.bin", 6 << 20);
      java.net.http.HttpResponse<String> refused =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload"))
                      .timeout(java.time.Duration.ofSeconds(20))
                      .header("auth_token", token)
                      .header(
                          "Content-Type", "multipart/form-data; boundary=" + SlowClients.BOUNDARY)
                      .POST(
                          HttpRequest.BodyPublishers.ofByteArray(
                              Buffer.buffer()
                                  .appendBuffer(SlowClients.partHead("file", "big.bin"))
                                  .appendBytes(Files.readAllBytes(big))
                                  .appendBuffer(SlowClients.closing())
                                  .getBytes()))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(507, refused.statusCode(), refused.body() + "\n" + node.output());
      assertTrue(
          new JsonObject(refused.body()).getString("message").contains("no room"), refused.body());
      TestServer.await(
          "the temp file is removed", () -> TestServer.tempFiles(dir.resolve("tmp")).isEmpty());
      assertFalse(Files.exists(dir.resolve("Uploads/Utkal/big.bin")));
      java.net.http.HttpResponse<String> status =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload/status"))
                      .header("auth_token", token)
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(404, status.statusCode(), "the job must be freed");
    }
  }

  @Test
  @DisplayName(
      "an export whose file is truncated mid-stream breaks off (no hang) and frees the job")
  void exportOfShrinkingFile(Vertx vertx) throws Exception {
    TestServer server = TestServer.start(vertx, dir);
    String token = server.utkal();
    Path source = TestServer.randomFile(dir, "movie.bin", 32 << 20);
    assertEquals(200, server.upload(token, source, "movie.bin").statusCode());
    HttpClient http = vertx.createHttpClient();
    SlowClients.Export export = SlowClients.Export.start(http, server.port, token, "movie.bin");
    HttpClientResponse response = export.response.await();
    assertEquals(200, response.statusCode());
    try (RandomAccessFile stored =
        new RandomAccessFile(dir.resolve("Uploads/Utkal/movie.bin").toFile(), "rw")) {
      stored.setLength(16 << 20);
    }
    // Without a check, the response would end short of its Content-Length and the client would
    // wait for the missing bytes until the idle timeout (60 s).
    assertFalse(
        export.readRest(response).await(10, TimeUnit.SECONDS),
        "the client must see the export incomplete, at once");
    assertTrue(export.received.get() < 32 << 20);
    TestServer.await(
        "the job is freed",
        () ->
            server
                    .client
                    .get("/export/status")
                    .putHeader("auth_token", token)
                    .send()
                    .await()
                    .statusCode()
                == 404);
    http.close().await();
  }

  @Test
  @DisplayName("an export whose file is deleted mid-stream sends the whole file it opened")
  void exportOfDeletedFile(Vertx vertx) throws Exception {
    TestServer server = TestServer.start(vertx, dir);
    String token = server.utkal();
    Path source = TestServer.randomFile(dir, "movie.bin", 32 << 20);
    assertEquals(200, server.upload(token, source, "movie.bin").statusCode());
    HttpClient http = vertx.createHttpClient();
    SlowClients.Export export = SlowClients.Export.start(http, server.port, token, "movie.bin");
    HttpClientResponse response = export.response.await();
    assertEquals(200, response.statusCode());
    Files.delete(dir.resolve("Uploads/Utkal/movie.bin"));
    assertTrue(
        export.readRest(response).await(20, TimeUnit.SECONDS), "the export goes on to its end");
    assertArrayEquals(
        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(source)),
        export.sha256.digest());
    http.close().await();
  }

  /** Mounts a tmpfs of {@code size} on {@code at}; false where the machine does not allow it. */
  private static boolean mountTmpfs(Path at, String size) {
    try {
      Process mount =
          new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString())
              .redirectErrorStream(true)
              .start();
      return mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
