package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The same name published again and again, while it is being exported. */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class PublishRaceTest {

  @TempDir Path dir;

  @Test
  @DisplayName(
      "back-to-back uploads of one name leave the last one whole; an export running meanwhile sends the old bytes to its end, never a mix")
  void republishWhileExporting(Vertx vertx) throws Exception {
    TestServer server = TestServer.start(vertx, dir);
    String token = server.utkal();
    HttpClient http = vertx.createHttpClient();
    Path stored = dir.resolve("Uploads/Utkal/clip.bin");
    byte[] current = upload(server, token, 0);
    for (int round = 1; round <= 3; round++) {
      // An export of the current version, held back by its client so it is mid-stream ...
      SlowClients.Export export = SlowClients.Export.start(http, server.port, token, "clip.bin");
      HttpClientResponse response = export.response.await();
      assertEquals(200, response.statusCode());
      // ... while the name is uploaded twice in quick succession.
      upload(server, token, 100 + round);
      byte[] last = upload(server, token, round);
      assertArrayEquals(last, Files.readAllBytes(stored), "the last upload is the stored file");

      assertTrue(export.readRest(response).await(20, TimeUnit.SECONDS), "the export goes on");
      assertEquals(current.length, export.received.get(), "the running export sent the whole file");
      assertArrayEquals(
          sha256(current),
          export.sha256.digest(),
          "the running export sent exactly the version it opened");
      HttpResponse<Buffer> fresh =
          server
              .client
              .post("/export")
              .putHeader("auth_token", token)
              .sendJsonObject(new JsonObject().put("filename", "clip.bin"))
              .await();
      assertArrayEquals(last, fresh.body().getBytes(), "a new export sends the new version");
      current = last;
    }
    assertEquals(java.util.List.of(), server.tempFiles());
    http.close().await();
  }

  /** Uploads version {@code seed} of clip.bin (16 MiB, so that it outgrows socket buffers). */
  private byte[] upload(TestServer server, String token, int seed) throws Exception {
    byte[] bytes = new byte[16 << 20];
    new java.util.Random(seed).nextBytes(bytes);
    Path file = dir.resolve("v" + seed);
    Files.write(file, bytes);
    assertEquals(200, server.upload(token, file, "clip.bin").statusCode());
    Files.delete(file);
    return bytes;
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }
}
