package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.transport.BufferBudget;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class TerminateTest {

  /** Large enough that a client that does not read cannot receive it all into socket buffers. */
  static final int EXPORT_SIZE = 64 * 1024 * 1024;

  @TempDir Path dir;
  TestServer server;
  HttpClient http;
  Vertx vertx;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    server = TestServer.start(vertx, dir);
    http = vertx.createHttpClient();
  }

  @AfterEach
  void close() {
    http.close().await();
  }

  private SlowClients.Upload slowUpload(String token, String name) throws InterruptedException {
    SlowClients.Upload upload =
        SlowClients.Upload.start(vertx, http, server.port, token, name, 16 * 1024, 20, 1500);
    TestServer.await("the upload's temp file is growing", () -> tempBytes() > 0);
    return upload;
  }

  private long tempBytes() {
    return server.tempBytes();
  }

  private HttpResponse<Buffer> terminateUpload(String token) {
    return server.client.delete("/upload/terminate").putHeader("auth_token", token).send().await();
  }

  private HttpResponse<Buffer> terminateExport(String token) {
    return server.client.post("/export/terminate").putHeader("auth_token", token).send().await();
  }

  private long exportedBytes(String token) {
    return server
        .client
        .get("/export/status")
        .putHeader("auth_token", token)
        .send()
        .await()
        .bodyAsJsonObject()
        .getLong("bytes");
  }

  private boolean stored(String user, String name) {
    return Files.exists(server.uploads.resolve(user).resolve(name));
  }

  private void storeFile(String token, String name, int size) throws IOException {
    Path file = TestServer.randomFile(dir, name, size);
    HttpResponse<Buffer> response = server.upload(token, file, name);
    assertEquals(200, response.statusCode(), response.bodyAsString());
  }

  @Test
  @DisplayName("terminating a running upload stops it, deletes its temp file and stores nothing")
  void terminateRunningUpload() throws Exception {
    String token = server.utkal();
    SlowClients.Upload upload = slowUpload(token, "slow.bin");

    HttpResponse<Buffer> answer = terminateUpload(token);

    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    JsonObject body = answer.bodyAsJsonObject();
    assertEquals("slow.bin", body.getString("filename"));
    assertTrue(body.getLong("bytes") > 0);
    assertTrue(body.getString("message").contains("slow.bin"));
    assertTrue(server.tempFiles().isEmpty(), "temp file left: " + server.tempFiles());
    assertFalse(stored("Utkal", "slow.bin"));

    // the upload request ends: with the termination answer if the client could read it, or a
    // broken connection
    var outcome =
        upload
            .response
            .transform(
                ar ->
                    io.vertx.core.Future.succeededFuture(
                        ar.succeeded() ? ar.result().statusCode() : -1))
            .await();
    assertTrue(outcome == 409 || outcome == -1, "upload request answered " + outcome);
    upload.stop();

    Thread.sleep(200);
    assertFalse(stored("Utkal", "slow.bin"), "a terminated upload was published");
    assertTrue(server.tempFiles().isEmpty());
    assertEquals(404, terminateUpload(token).statusCode(), "the job must be forgotten");
    storeFile(token, "after.bin", 1000); // the user can upload again
  }

  @Test
  @DisplayName("terminating when nothing runs answers 404 with a message")
  void terminateIdle() {
    String token = server.utkal();
    HttpResponse<Buffer> upload = terminateUpload(token);
    assertEquals(404, upload.statusCode());
    assertEquals("not_found", upload.bodyAsJsonObject().getString("error"));
    assertTrue(upload.bodyAsJsonObject().getString("message").contains("not uploading"));
    HttpResponse<Buffer> export = terminateExport(token);
    assertEquals(404, export.statusCode());
    assertTrue(export.bodyAsJsonObject().getString("message").contains("not exporting"));
  }

  @Test
  @DisplayName("a user cannot terminate another user's upload; it completes untouched")
  void otherUserCannotTerminate() throws Exception {
    String utkal = server.utkal();
    SlowClients.Upload upload =
        SlowClients.Upload.start(vertx, http, server.port, utkal, "mine.bin", 16 * 1024, 5, 40);
    TestServer.await("the upload runs", () -> tempBytes() > 0);

    assertEquals(404, terminateUpload(server.john()).statusCode());

    HttpClientResponse response = upload.response.await();
    assertEquals(200, response.statusCode());
    TestServer.await("the file is stored", () -> stored("Utkal", "mine.bin"));
    assertEquals(40L * 16 * 1024, Files.size(server.uploads.resolve("Utkal/mine.bin")));
  }

  @Test
  @DisplayName("a second upload by the same user is refused with 409 and the first goes on")
  void secondUploadRefused() throws Exception {
    String token = server.utkal();
    SlowClients.Upload first =
        SlowClients.Upload.start(vertx, http, server.port, token, "first.bin", 16 * 1024, 5, 60);
    TestServer.await("the first upload runs", () -> tempBytes() > 0);

    Path other = TestServer.randomFile(dir, "second.bin", 1000);
    HttpResponse<Buffer> second = server.upload(token, other, "second.bin");

    assertEquals(409, second.statusCode());
    assertEquals("conflict", second.bodyAsJsonObject().getString("error"));
    assertEquals(200, first.response.await().statusCode());
    TestServer.await("the first file is stored", () -> stored("Utkal", "first.bin"));
    assertFalse(stored("Utkal", "second.bin"));
    assertEquals(60L * 16 * 1024, Files.size(server.uploads.resolve("Utkal/first.bin")));
    assertTrue(server.tempFiles().isEmpty());
  }

  @Test
  @DisplayName("an upload whose client disconnects leaves no temp file and no job")
  void uploadClientDisconnects() throws Exception {
    String token = server.utkal();
    SlowClients.Upload upload = slowUpload(token, "gone.bin");
    upload.stop();
    upload.request.connection().close().await();

    TestServer.await("the temp file is removed", () -> server.tempFiles().isEmpty());
    assertFalse(stored("Utkal", "gone.bin"));
    TestServer.await("the job is forgotten", () -> terminateUpload(token).statusCode() == 404);
    storeFile(token, "next.bin", 1000);
  }

  @Test
  @DisplayName("terminating a running export stops the stream; the client sees it incomplete")
  void terminateRunningExport() throws Exception {
    String token = server.utkal();
    storeFile(token, "movie.bin", EXPORT_SIZE);
    SlowClients.Export export = SlowClients.Export.start(http, server.port, token, "movie.bin");
    HttpClientResponse response = export.response.await();
    assertEquals(200, response.statusCode());
    assertEquals(Integer.toString(EXPORT_SIZE), response.getHeader("Content-Length"));

    HttpResponse<Buffer> answer = terminateExport(token);

    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    long sent = answer.bodyAsJsonObject().getLong("bytes");
    assertTrue(sent > 0 && sent < EXPORT_SIZE, "bytes sent: " + sent);
    assertEquals("movie.bin", answer.bodyAsJsonObject().getString("filename"));
    boolean endedNormally = export.readRest(response).await();
    assertFalse(endedNormally, "the export must break off");
    assertTrue(export.received.get() <= sent, export.received.get() + " > " + sent);
    assertEquals(404, terminateExport(token).statusCode(), "the job must be forgotten");
    assertTrue(stored("Utkal", "movie.bin"), "the stored file is untouched");
  }

  @Test
  @DisplayName(
      "a second export by the same user is refused with 409 and the first goes on to the end")
  void secondExportRefused() throws Exception {
    String token = server.utkal();
    storeFile(token, "movie.bin", EXPORT_SIZE);
    SlowClients.Export first = SlowClients.Export.start(http, server.port, token, "movie.bin");
    HttpClientResponse response = first.response.await();

    HttpResponse<Buffer> second =
        server
            .client
            .post("/export")
            .putHeader("auth_token", token)
            .sendJsonObject(new JsonObject().put("filename", "movie.bin"))
            .await();
    assertEquals(409, second.statusCode());
    assertEquals("conflict", second.bodyAsJsonObject().getString("error"));

    assertTrue(first.readRest(response).await());
    assertEquals(EXPORT_SIZE, first.received.get());
  }

  @Test
  @DisplayName(
      "a terminated export whose client stopped reading is cut off at once: the bytes"
          + " queued for it are dropped and the connection closes")
  void stalledExportCutOff() throws Exception {
    String token = server.utkal();
    storeFile(token, "movie.bin", EXPORT_SIZE);
    long before = BufferBudget.inUse();
    SlowClients.Export export = SlowClients.Export.start(http, server.port, token, "movie.bin");
    HttpClientResponse response = export.response.await(); // never read: the client stalls
    long sent = -1;
    for (long now = exportedBytes(token); now != sent; now = exportedBytes(token)) {
      sent = now;
      Thread.sleep(300); // until the socket takes no more
    }
    assertTrue(sent < EXPORT_SIZE, "the client took it all");
    assertTrue(BufferBudget.inUse() > before, "no bytes queued for the stalled client");

    assertEquals(200, terminateExport(token).statusCode());
    // A close that waits for the queued bytes to be written would wait for ever: they stay held.
    TestServer.await("the bytes queued for it are dropped", () -> BufferBudget.inUse() <= before);
    assertFalse(export.readRest(response).await(10, TimeUnit.SECONDS), "the body came whole");
    assertTrue(export.received.get() < EXPORT_SIZE);
  }

  @Test
  @DisplayName(
      "an export whose client disconnects frees the job: once a terminate answers 404,"
          + " a new export starts at once")
  void exportClientDisconnects() throws Exception {
    String token = server.utkal();
    storeFile(token, "movie.bin", EXPORT_SIZE);
    // The job ends when the client goes, then closes its file and frees its slot. A terminate
    // asked in between must not say "nothing runs" while the slot is still taken: the client
    // would start again and get 409. Asked as fast as it answers, round after round.
    for (int round = 0; round < 10; round++) {
      SlowClients.Export export = SlowClients.Export.start(http, server.port, token, "movie.bin");
      HttpClientResponse response = export.response.await();
      assertEquals(200, response.statusCode(), "round " + round);
      response.request().connection().close().await();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      for (int code = terminateExport(token).statusCode();
          code != 404;
          code = terminateExport(token).statusCode()) {
        assertEquals(200, code, "round " + round + ": a terminate of an export that was ending");
        assertTrue(System.nanoTime() < deadline, "the job is still there after 5 s");
      }
    }
    HttpResponse<Buffer> again =
        server
            .client
            .post("/export")
            .putHeader("auth_token", token)
            .sendJsonObject(new JsonObject().put("filename", "movie.bin"))
            .await();
    assertEquals(200, again.statusCode());
    assertArrayEquals(
        Files.readAllBytes(server.uploads.resolve("Utkal/movie.bin")), again.body().getBytes());
  }
}
