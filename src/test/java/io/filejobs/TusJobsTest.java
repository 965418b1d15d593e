package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.config.Settings;
import io.filejobs.jobs.JobBus;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tus upload as a job among the others: a connection that stalls or dies is taken over at once,
 * the original API's pause, resume and terminate reach a running PATCH, events tell each step, an
 * interrupted upload expires, and a restart loses nothing that reached the disk.
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class TusJobsTest {

  @TempDir Path dir;
  TestServer server;
  String token;
  byte[] bytes;

  private void start(Vertx vertx, Settings settings) throws Exception {
    server = TestServer.start(vertx, settings);
    token = server.utkal();
    if (bytes == null) {
      bytes = Files.readAllBytes(TestServer.randomFile(dir, "source.bin", 2_000_000));
    }
  }

  private HttpRequest<Buffer> tus(HttpMethod method, String uri) {
    return server
        .client
        .request(method, uri)
        .putHeader("Tus-Resumable", "1.0.0")
        .bearerTokenAuthentication(token);
  }

  private String create(String name) {
    HttpResponse<Buffer> created =
        tus(HttpMethod.POST, "/tus")
            .putHeader("Upload-Length", Integer.toString(bytes.length))
            .putHeader("Upload-Metadata", TusProtocolTest.metadata(name))
            .send()
            .await();
    assertEquals(201, created.statusCode(), created.bodyAsString());
    return created.getHeader("Location");
  }

  private long offset(String url) {
    HttpResponse<Buffer> head = tus(HttpMethod.HEAD, url).send().await();
    assertEquals(200, head.statusCode());
    return Long.parseLong(head.getHeader("Upload-Offset"));
  }

  private HttpResponse<Buffer> patch(String url, long offset) {
    return tus(HttpMethod.PATCH, url)
        .putHeader("Upload-Offset", Long.toString(offset))
        .putHeader("Content-Type", "application/offset+octet-stream")
        .sendBuffer(Buffer.buffer(Arrays.copyOfRange(bytes, (int) offset, bytes.length)))
        .await();
  }

  private JsonObject status() {
    return server
        .client
        .get("/upload/status")
        .putHeader("auth_token", token)
        .send()
        .await()
        .bodyAsJsonObject();
  }

  private NetSocket stalledPatch(
      Vertx vertx, String url, long offset, int sent, Promise<String> answer) {
    return stalledPatch(vertx, server.port, token, url, bytes, offset, sent, answer);
  }

  /**
   * A PATCH to {@code port} of the rest of {@code bytes} from {@code offset}, on a raw socket that
   * sends only {@code sent} bytes of its body, then waits: what it reads comes into {@code answer},
   * which completes when the server closes the connection.
   */
  static NetSocket stalledPatch(
      Vertx vertx,
      int port,
      String token,
      String url,
      byte[] bytes,
      long offset,
      int sent,
      Promise<String> answer) {
    NetSocket socket = vertx.createNetClient().connect(port, "127.0.0.1").await();
    StringBuilder read = new StringBuilder();
    socket.handler(b -> read.append(b.toString()));
    socket.closeHandler(v -> answer.tryComplete(read.toString()));
    String head =
        "PATCH "
            + url
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer "
            + token
            + "\r\nUpload-Offset: "
            + offset
            + "\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: "
            + (bytes.length - offset)
            + "\r\n\r\n";
    socket.write(Buffer.buffer(head)).await();
    socket
        .write(Buffer.buffer(Arrays.copyOfRange(bytes, (int) offset, (int) offset + sent)))
        .await();
    return socket;
  }

  private List<Path> resumableArea() throws Exception {
    Path area = server.uploads.resolve(".resumable");
    if (!Files.exists(area)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(area)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  @DisplayName(
      "a HEAD for an upload whose PATCH stalled takes over at once: the old connection is closed,"
          + " every byte it delivered is kept, and the upload completes from there")
  void takeover(Vertx vertx) throws Exception {
    start(vertx, TestServer.settings(dir));
    String url = create("taken.bin");
    Promise<String> old = Promise.promise();
    stalledPatch(vertx, url, 0, 700_000, old);
    TestServer.await("the bytes arrived", () -> status().getLong("bytes", 0L) == 700_000);

    long began = System.nanoTime();
    long offset = offset(url);
    long tookMs = (System.nanoTime() - began) / 1_000_000;
    assertEquals(700_000, offset);
    assertTrue(tookMs < 2000, "the takeover took " + tookMs + " ms");
    old.future().await(5, TimeUnit.SECONDS);

    assertEquals(204, patch(url, offset).statusCode());
    assertArrayEquals(bytes, Files.readAllBytes(server.uploads.resolve("Utkal/taken.bin")));
  }

  @Test
  @DisplayName(
      "the original API pauses and resumes a running PATCH server-side: its bytes stop while"
          + " paused, and the file completes; events tell started, paused, resumed, completed")
  void pauseAndResume(Vertx vertx) throws Exception {
    start(vertx, TestServer.settings(dir));
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(JobBus.userEvents("Utkal"), m -> events.add(m.body()));
    String url = create("paused.bin");
    Promise<String> answer = Promise.promise();
    NetSocket socket = stalledPatch(vertx, url, 0, 300_000, answer);
    TestServer.await("the bytes arrived", () -> status().getLong("bytes", 0L) == 300_000);

    HttpResponse<Buffer> paused =
        server.client.post("/upload/pause").putHeader("auth_token", token).send().await();
    assertEquals(200, paused.statusCode(), paused.bodyAsString());
    JsonObject status = status();
    assertEquals("paused", status.getString("state"));
    assertEquals(url.substring(5), status.getString("id"));
    socket.write(Buffer.buffer(Arrays.copyOfRange(bytes, 300_000, 1_300_000))).await();
    Thread.sleep(300);
    assertEquals(300_000, status().getLong("bytes"), "bytes moved while paused");

    HttpResponse<Buffer> resumed =
        server.client.post("/upload/resume").putHeader("auth_token", token).send().await();
    assertEquals(200, resumed.statusCode());
    socket.write(Buffer.buffer(Arrays.copyOfRange(bytes, 1_300_000, bytes.length))).await();
    TestServer.await(
        "the file was stored", () -> Files.exists(server.uploads.resolve("Utkal/paused.bin")));
    assertArrayEquals(bytes, Files.readAllBytes(server.uploads.resolve("Utkal/paused.bin")));
    socket.close();
    TestServer.await(
        "the completed event",
        () -> events.stream().anyMatch(e -> "completed".equals(e.getString("event"))));
    List<String> names = events.stream().map(e -> e.getString("event")).toList();
    assertEquals(
        List.of("started", "paused", "resumed", "completed"),
        names.stream().filter(n -> !n.equals("progress")).toList());
    assertEquals(bytes.length, events.get(events.size() - 1).getLong("bytes"));
  }

  @Test
  @DisplayName(
      "DELETE /upload/terminate stops a running PATCH: its client gets 410, the partial bytes are"
          + " gone, nothing is stored, and the URL is 404")
  void terminateRunning(Vertx vertx) throws Exception {
    start(vertx, TestServer.settings(dir));
    String url = create("stopped.bin");
    Promise<String> answer = Promise.promise();
    stalledPatch(vertx, url, 0, 500_000, answer);
    TestServer.await("the bytes arrived", () -> status().getLong("bytes", 0L) == 500_000);
    HttpResponse<Buffer> terminated =
        server.client.delete("/upload/terminate").putHeader("auth_token", token).send().await();
    assertEquals(200, terminated.statusCode(), terminated.bodyAsString());
    String raw = answer.future().await(5, TimeUnit.SECONDS);
    assertTrue(raw.startsWith("HTTP/1.1 410"), raw);
    assertTrue(raw.contains("Tus-Resumable: 1.0.0"), raw);
    assertEquals(404, tus(HttpMethod.HEAD, url).send().await().statusCode());
    assertTrue(resumableArea().isEmpty(), "left: " + resumableArea());
    assertFalse(Files.exists(server.uploads.resolve("Utkal/stopped.bin")));
  }

  @Test
  @DisplayName(
      "a client that goes away leaves the upload interrupted with its bytes, and an event says so")
  void clientGone(Vertx vertx) throws Exception {
    start(vertx, TestServer.settings(dir));
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(JobBus.userEvents("Utkal"), m -> events.add(m.body()));
    String url = create("cut.bin");
    Promise<String> answer = Promise.promise();
    NetSocket socket = stalledPatch(vertx, url, 0, 400_000, answer);
    TestServer.await("the bytes arrived", () -> status().getLong("bytes", 0L) == 400_000);
    socket.close().await();
    TestServer.await("interrupted", () -> "interrupted".equals(status().getString("state")));
    assertEquals(400_000, status().getLong("bytes"));
    assertEquals(400_000, offset(url));
    TestServer.await(
        "the interrupted event",
        () -> events.stream().anyMatch(e -> "interrupted".equals(e.getString("event"))));
    assertEquals(204, patch(url, 400_000).statusCode());
    assertArrayEquals(bytes, Files.readAllBytes(server.uploads.resolve("Utkal/cut.bin")));
  }

  @Test
  @DisplayName(
      "an upload interrupted before a restart resumes after it, at the offset that reached the disk")
  void restart(Vertx vertx) throws Exception {
    start(vertx, TestServer.settings(dir));
    String url = create("restart.bin");
    Promise<String> answer = Promise.promise();
    stalledPatch(vertx, url, 0, 600_000, answer);
    TestServer.await("the bytes arrived", () -> status().getLong("bytes", 0L) == 600_000);
    server.close().await();
    vertx.close().await();

    Vertx again = Vertx.vertx();
    try {
      start(again, TestServer.settings(dir));
      assertEquals(600_000, offset(url));
      assertEquals(204, patch(url, 600_000).statusCode());
      assertArrayEquals(bytes, Files.readAllBytes(server.uploads.resolve("Utkal/restart.bin")));
    } finally {
      again.close().await();
    }
  }

  @Test
  @DisplayName(
      "an interrupted upload expires after its time: its bytes go, its slot is free, an event says so")
  void expiry(Vertx vertx) throws Exception {
    start(vertx, TestServer.settings(dir).toBuilder().uploadExpirySeconds(1).build());
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(JobBus.userEvents("Utkal"), m -> events.add(m.body()));
    String url = create("old.bin");
    HttpResponse<Buffer> patched =
        tus(HttpMethod.PATCH, url)
            .putHeader("Upload-Offset", "0")
            .putHeader("Content-Type", "application/offset+octet-stream")
            .sendBuffer(Buffer.buffer(Arrays.copyOf(bytes, 100)))
            .await();
    assertEquals(204, patched.statusCode());
    TestServer.await(
        "the upload expired",
        () -> events.stream().anyMatch(e -> "expired".equals(e.getString("event"))));
    assertEquals(404, tus(HttpMethod.HEAD, url).send().await().statusCode());
    assertTrue(resumableArea().isEmpty(), "left: " + resumableArea());
    create("new.bin");
  }

  @Test
  @DisplayName(
      "a page from a listed origin may use /tus (preflight allowed, tus headers exposed); one from"
          + " another origin may not")
  void cors(Vertx vertx) throws Exception {
    start(vertx, TestServer.settings(dir).toBuilder().corsOrigins("https://app.example").build());
    HttpResponse<Buffer> preflight =
        server
            .client
            .request(HttpMethod.OPTIONS, "/tus/0123456789abcdef0123456789abcdef")
            .putHeader("Origin", "https://app.example")
            .putHeader("Access-Control-Request-Method", "PATCH")
            .putHeader(
                "Access-Control-Request-Headers",
                "authorization,tus-resumable,upload-offset,content-type")
            .send()
            .await();
    assertTrue(preflight.statusCode() / 100 == 2, "preflight: " + preflight.statusCode());
    assertEquals("https://app.example", preflight.getHeader("Access-Control-Allow-Origin"));
    assertTrue(preflight.getHeader("Access-Control-Allow-Methods").contains("PATCH"));

    HttpResponse<Buffer> created =
        tus(HttpMethod.POST, "/tus")
            .putHeader("Origin", "https://app.example")
            .putHeader("Upload-Length", "10")
            .putHeader("Upload-Metadata", TusProtocolTest.metadata("cors.bin"))
            .send()
            .await();
    assertEquals(201, created.statusCode(), created.bodyAsString());
    assertEquals("https://app.example", created.getHeader("Access-Control-Allow-Origin"));
    String exposed = created.getHeader("Access-Control-Expose-Headers").toLowerCase();
    for (String header : List.of("location", "upload-offset", "upload-expires", "tus-resumable")) {
      assertTrue(exposed.contains(header), header + " not exposed: " + exposed);
    }

    HttpResponse<Buffer> elsewhere =
        server
            .client
            .request(HttpMethod.OPTIONS, "/tus")
            .putHeader("Origin", "https://evil.example")
            .putHeader("Access-Control-Request-Method", "POST")
            .send()
            .await();
    assertEquals(null, elsewhere.getHeader("Access-Control-Allow-Origin"));
  }
}
