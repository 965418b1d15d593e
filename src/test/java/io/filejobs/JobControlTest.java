package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.jobs.JobBus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
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
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class JobControlTest {

  static final int CHUNK = 16 * 1024;
  static final int EXPORT_SIZE = 64 * 1024 * 1024;

  @TempDir Path dir;
  Vertx vertx;
  TestServer server;
  HttpClient http;

  /** A verticle of another service, following one user's transfers on the bus. */
  static final class Follower extends VerticleBase {
    final List<JsonObject> events = new CopyOnWriteArrayList<>();
    private final String user;

    Follower(String user) {
      this.user = user;
    }

    @Override
    public Future<?> start() {
      return vertx
          .eventBus()
          .<JsonObject>consumer(JobBus.userEvents(user), m -> events.add(m.body()))
          .completion();
    }

    List<String> names() {
      return events.stream()
          .map(e -> e.getString("event"))
          .filter(n -> !n.equals("progress"))
          .toList();
    }
  }

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    server = TestServer.start(vertx, TestServer.settings(dir).withMaxPauseSeconds(2));
    http = vertx.createHttpClient();
  }

  @AfterEach
  void close() {
    http.close().await();
  }

  private HttpResponse<Buffer> call(String method, String path, String token) {
    return server
        .client
        .request(io.vertx.core.http.HttpMethod.valueOf(method), path)
        .putHeader("auth_token", token)
        .send()
        .await();
  }

  private JsonObject ok(HttpResponse<Buffer> response) {
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  private static byte[] chunk() {
    byte[] bytes = new byte[CHUNK];
    new java.util.Random(1).nextBytes(bytes);
    return bytes;
  }

  @Test
  @DisplayName(
      "a paused upload reads no more bytes; resumed, it completes byte for byte; events tell each step in order")
  void pauseAndResumeUpload() throws Exception {
    Follower follower = new Follower("Utkal");
    vertx.deployVerticle(follower).await();
    String token = server.utkal();
    int chunks = 120;
    SlowClients.Upload upload =
        SlowClients.Upload.start(vertx, http, server.port, token, "paused.bin", CHUNK, 5, chunks);
    TestServer.await("the upload runs", () -> server.tempBytes() > 0);

    JsonObject paused = ok(call("POST", "/upload/pause", token));
    assertEquals("paused", paused.getString("state"));
    assertEquals("paused.bin", paused.getString("filename"));
    Thread.sleep(100); // what was in flight lands
    long atPause = ok(call("GET", "/upload/status", token)).getLong("bytes");
    Thread.sleep(400);
    JsonObject still = ok(call("GET", "/upload/status", token));
    assertEquals(atPause, still.getLong("bytes"), "bytes moved while paused");
    assertEquals(atPause, server.tempBytes(), "the temp file grew while paused");
    assertEquals("paused", still.getString("state"));
    assertEquals(0L, still.getLong("bytesPerSecond"));
    assertTrue(atPause < (long) chunks * CHUNK, "the upload was over before the pause");
    assertEquals(409, call("POST", "/upload/pause", token).statusCode(), "pausing a paused upload");

    assertEquals("running", ok(call("POST", "/upload/resume", token)).getString("state"));
    assertEquals(
        409, call("POST", "/upload/resume", token).statusCode(), "resuming a running upload");
    assertEquals(200, upload.response.await().statusCode());

    Path stored = server.uploads.resolve("Utkal/paused.bin");
    TestServer.await("the file is stored", () -> Files.exists(stored));
    byte[] expected = new byte[chunks * CHUNK];
    byte[] one = chunk();
    for (int i = 0; i < chunks; i++) {
      System.arraycopy(one, 0, expected, i * CHUNK, CHUNK);
    }
    assertArrayEquals(expected, Files.readAllBytes(stored));
    TestServer.await("the completed event", () -> follower.names().contains("completed"));
    assertEquals(List.of("started", "paused", "resumed", "completed"), follower.names());
    JsonObject completed = follower.events.get(follower.events.size() - 1);
    assertEquals("upload", completed.getString("kind"));
    assertEquals("paused.bin", completed.getString("filename"));
    assertEquals((long) chunks * CHUNK, completed.getLong("bytes"));
    Instant.parse(completed.getString("at"));
    assertEquals(404, call("GET", "/upload/status", token).statusCode());
  }

  private String sha256(byte[] bytes) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  @DisplayName(
      "a paused export sends no more bytes; resumed, the client gets the whole file byte for byte")
  void pauseAndResumeExport() throws Exception {
    Follower follower = new Follower("Utkal");
    String token = server.utkal();
    Path file = TestServer.randomFile(dir, "film.bin", EXPORT_SIZE);
    assertEquals(200, server.upload(token, file, "film.bin").statusCode());
    vertx.deployVerticle(follower).await();
    SlowClients.Export export = SlowClients.Export.start(http, server.port, token, "film.bin");
    HttpClientResponse response = export.response.await();

    JsonObject status = ok(call("GET", "/export/status", token));
    assertEquals("running", status.getString("state"));
    assertEquals((long) EXPORT_SIZE, status.getLong("total"));
    Instant.parse(status.getString("startedAt"));

    ok(call("POST", "/export/pause", token));
    long atPause = ok(call("GET", "/export/status", token)).getLong("bytes");
    assertTrue(atPause < EXPORT_SIZE);
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    io.vertx.core.Promise<Void> ended = io.vertx.core.Promise.promise();
    response.handler(
        b -> {
          digest.update(b.getBytes());
          export.received.addAndGet(b.length());
        });
    response.endHandler(v -> ended.complete());
    response.exceptionHandler(ended::tryFail);
    response.resume();
    // the client drains what was sent before the pause, and then nothing more comes
    TestServer.await(
        "the client has all bytes sent before the pause", () -> export.received.get() == atPause);
    Thread.sleep(300);
    assertEquals(atPause, export.received.get(), "bytes arrived while paused");
    assertEquals(atPause, ok(call("GET", "/export/status", token)).getLong("bytes"));

    ok(call("POST", "/export/resume", token));
    ended.future().await();
    assertEquals(EXPORT_SIZE, export.received.get());
    assertEquals(
        sha256(Files.readAllBytes(file)), java.util.HexFormat.of().formatHex(digest.digest()));
    TestServer.await("the completed event", () -> follower.names().contains("completed"));
    assertEquals(List.of("started", "paused", "resumed", "completed"), follower.names());
    assertTrue(
        follower.events.stream()
            .allMatch(
                e ->
                    "export".equals(e.getString("kind"))
                        && Long.valueOf(EXPORT_SIZE).equals(e.getLong("total"))));
  }

  @Test
  @DisplayName("a paused upload can be terminated: nothing is stored and no temp file is left")
  void terminatePausedUpload() throws Exception {
    String token = server.utkal();
    SlowClients.Upload upload =
        SlowClients.Upload.start(vertx, http, server.port, token, "p.bin", CHUNK, 10, 1000);
    TestServer.await("the upload runs", () -> server.tempBytes() > 0);
    ok(call("POST", "/upload/pause", token));

    JsonObject stopped = ok(call("DELETE", "/upload/terminate", token));

    assertEquals("p.bin", stopped.getString("filename"));
    assertTrue(server.tempFiles().isEmpty());
    assertFalse(Files.exists(server.uploads.resolve("Utkal/p.bin")));
    assertEquals(404, call("GET", "/upload/status", token).statusCode());
    upload.stop();
  }

  @Test
  @DisplayName("a job paused longer than the limit is terminated and cleaned up")
  void pauseLimit() throws Exception {
    Follower follower = new Follower("John");
    vertx.deployVerticle(follower).await();
    String token = server.john();
    SlowClients.Upload upload =
        SlowClients.Upload.start(vertx, http, server.port, token, "idle.bin", CHUNK, 10, 1000);
    TestServer.await("the upload runs", () -> server.tempBytes() > 0);
    ok(call("POST", "/upload/pause", token));

    TestServer.await(
        "the paused upload is terminated", () -> follower.names().contains("terminated"));
    TestServer.await("its temp file is gone", () -> server.tempFiles().isEmpty());
    assertEquals(404, call("GET", "/upload/status", token).statusCode());
    assertFalse(Files.exists(server.uploads.resolve("John/idle.bin")));
    upload.stop();
  }

  @Test
  @DisplayName("pause, resume and status with no job answer 404; without a token 401")
  void noJob() {
    String token = server.blake();
    for (String[] call :
        new String[][] {
          {"POST", "/upload/pause"}, {"POST", "/upload/resume"}, {"GET", "/upload/status"},
          {"POST", "/export/pause"}, {"POST", "/export/resume"}, {"GET", "/export/status"}
        }) {
      HttpResponse<Buffer> none = call(call[0], call[1], token);
      assertEquals(404, none.statusCode(), call[1]);
      assertEquals("not_found", none.bodyAsJsonObject().getString("error"));
      assertEquals(
          401,
          server
              .client
              .request(io.vertx.core.http.HttpMethod.valueOf(call[0]), call[1])
              .send()
              .await()
              .statusCode(),
          call[1]);
    }
    assertEquals(401, server.client.get("/files").send().await().statusCode());
  }

  @Test
  @DisplayName("an upload's status shows its file, live bytes, an unknown total and a rate")
  void uploadStatus() throws Exception {
    String token = server.utkal();
    SlowClients.Upload upload =
        SlowClients.Upload.start(vertx, http, server.port, token, "s.bin", CHUNK, 10, 1000);
    TestServer.await("the upload runs", () -> server.tempBytes() > 0);
    JsonObject first = ok(call("GET", "/upload/status", token));
    Thread.sleep(1200);
    JsonObject later = ok(call("GET", "/upload/status", token));

    assertEquals("s.bin", later.getString("filename"));
    assertEquals("running", later.getString("state"));
    assertTrue(later.containsKey("total"));
    assertNull(later.getValue("total"));
    assertTrue(later.getLong("bytes") > first.getLong("bytes"), "bytes are live");
    assertTrue(later.getLong("bytesPerSecond") > 0, later.encode());
    assertEquals(first.getString("startedAt"), later.getString("startedAt"));
    assertTrue(Instant.parse(later.getString("startedAt")).isBefore(Instant.now()));
    ok(call("DELETE", "/upload/terminate", token));
    upload.stop();
  }

  @Test
  @DisplayName("GET /files lists only the user's own files with size and modification time")
  void files() throws Exception {
    String utkal = server.utkal();
    assertEquals(
        new JsonObject().put("files", new io.vertx.core.json.JsonArray()),
        ok(call("GET", "/files", utkal)));
    server.upload(utkal, TestServer.randomFile(dir, "b.bin", 2000), "b.bin");
    server.upload(utkal, TestServer.randomFile(dir, "a.bin", 1000), "a.bin");
    server.upload(server.john(), TestServer.randomFile(dir, "j.bin", 10), "johns.bin");

    io.vertx.core.json.JsonArray files = ok(call("GET", "/files", utkal)).getJsonArray("files");

    assertEquals(2, files.size());
    assertEquals("a.bin", files.getJsonObject(0).getString("name"));
    assertEquals(1000L, files.getJsonObject(0).getLong("size"));
    assertEquals("b.bin", files.getJsonObject(1).getString("name"));
    assertEquals(2000L, files.getJsonObject(1).getLong("size"));
    Instant modified = Instant.parse(files.getJsonObject(0).getString("modified"));
    assertTrue(modified.isAfter(Instant.now().minusSeconds(60)));
  }

  @Test
  @DisplayName("another service pauses, asks the status of, and resumes a job over the event bus")
  void controlOverTheBus() throws Exception {
    String token = server.utkal();
    SlowClients.Upload upload =
        SlowClients.Upload.start(vertx, http, server.port, token, "bus.bin", CHUNK, 10, 1000);
    TestServer.await("the upload runs", () -> server.tempBytes() > 0);
    JsonObject who = new JsonObject().put("user", "Utkal");

    JsonObject paused =
        vertx.eventBus().<JsonObject>request(JobBus.UPLOAD_PAUSE, who).await().body();
    JsonObject status =
        vertx.eventBus().<JsonObject>request(JobBus.UPLOAD_STATUS, who).await().body();
    assertEquals("paused", paused.getString("state"));
    assertEquals("paused", status.getString("state"));
    assertEquals("upload", status.getString("kind"));
    io.vertx.core.eventbus.ReplyException again =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.vertx.core.eventbus.ReplyException.class,
            () -> vertx.eventBus().request(JobBus.UPLOAD_PAUSE, who).await());
    assertEquals(409, again.failureCode());
    assertEquals(
        "running",
        vertx
            .eventBus()
            .<JsonObject>request(JobBus.UPLOAD_RESUME, who)
            .await()
            .body()
            .getString("state"));
    vertx.eventBus().request(JobBus.UPLOAD_TERMINATE, who).await();
    upload.stop();
  }

  @Test
  @DisplayName(
      "an upload whose file has not begun cannot be paused (409), can be terminated, and announces nothing")
  void pauseBeforeBytes() throws Exception {
    Follower follower = new Follower("Utkal");
    vertx.deployVerticle(follower).await();
    String token = server.utkal();
    // the request's head only: the job runs, but no part has begun
    io.vertx.core.http.HttpClientRequest request =
        http.request(
                new io.vertx.core.http.RequestOptions()
                    .setMethod(io.vertx.core.http.HttpMethod.POST)
                    .setHost("127.0.0.1")
                    .setPort(server.port)
                    .setURI("/upload")
                    .putHeader("auth_token", token)
                    .putHeader(
                        "Content-Type", "multipart/form-data; boundary=" + SlowClients.BOUNDARY))
            .await();
    request.setChunked(true);
    request.writeHead().await();
    TestServer.await(
        "the job runs", () -> call("GET", "/upload/status", token).statusCode() == 200);

    HttpResponse<Buffer> pause = call("POST", "/upload/pause", token);
    assertEquals(409, pause.statusCode());
    assertTrue(pause.bodyAsJsonObject().getString("message").contains("not started"));
    assertEquals(409, call("POST", "/upload/resume", token).statusCode());
    ok(call("DELETE", "/upload/terminate", token));

    assertTrue(server.tempFiles().isEmpty());
    Thread.sleep(200);
    assertTrue(follower.events.isEmpty(), "events for a job that never began: " + follower.events);
  }

  @Test
  @DisplayName("the files request on the bus refuses a user that is not a plain name")
  void filesOverTheBusChecksTheUser() {
    io.vertx.core.eventbus.ReplyException bad =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.vertx.core.eventbus.ReplyException.class,
            () ->
                vertx
                    .eventBus()
                    .request(JobBus.FILES, new JsonObject().put("user", "../Utkal"))
                    .await());
    assertEquals(400, bad.failureCode());
  }

  @Test
  @DisplayName(
      "a moving job publishes progress at most every 500 ms, and a broken one ends with failed")
  void progressAndFailedEvents() throws Exception {
    Follower follower = new Follower("Utkal");
    vertx.deployVerticle(follower).await();
    String token = server.utkal();
    SlowClients.Upload upload =
        SlowClients.Upload.start(vertx, http, server.port, token, "gone.bin", CHUNK, 10, 1000);
    TestServer.await(
        "three progress events",
        () ->
            follower.events.stream().filter(e -> "progress".equals(e.getString("event"))).count()
                >= 3);
    upload.stop();
    upload.request.connection().close().await();
    TestServer.await("the failed event", () -> follower.names().contains("failed"));

    List<JsonObject> progress =
        follower.events.stream().filter(e -> "progress".equals(e.getString("event"))).toList();
    for (int i = 1; i < progress.size(); i++) {
      long gap =
          java.time.Duration.between(
                  Instant.parse(progress.get(i - 1).getString("at")),
                  Instant.parse(progress.get(i).getString("at")))
              .toMillis();
      assertTrue(gap >= 490, "progress events " + gap + " ms apart");
      assertTrue(progress.get(i).getLong("bytes") > progress.get(i - 1).getLong("bytes"));
    }
    assertEquals(List.of("started", "failed"), follower.names());
    JsonObject failed = follower.events.get(follower.events.size() - 1);
    assertEquals("client_closed", failed.getString("error"));
    assertEquals("gone.bin", failed.getString("filename"));
  }
}
