package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** With a 1 s idle timeout: what holds the server without using it is let go; a pause is not. */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class IdleTest {

  @TempDir Path dir;
  Vertx vertx;
  TestServer server;
  NetClient net;
  HttpClient http;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    server = TestServer.start(vertx, TestServer.settings(dir).withIdleTimeoutSeconds(1));
    net = vertx.createNetClient();
    http = vertx.createHttpClient();
  }

  @AfterEach
  void close() {
    net.close().await();
    http.close().await();
  }

  /** Milliseconds until the server closes a socket that sent {@code bytes} (10 s at most). */
  private long closedAfter(String bytes) {
    NetSocket socket = net.connect(server.port, "127.0.0.1").await();
    Promise<Long> closed = Promise.promise();
    long began = System.nanoTime();
    socket.handler(b -> {});
    socket.closeHandler(v -> closed.tryComplete((System.nanoTime() - began) / 1_000_000));
    vertx.setTimer(10_000, id -> closed.tryComplete(-1L));
    socket.write(bytes);
    return closed.future().await();
  }

  @Test
  @DisplayName(
      "a connection that sends nothing, or trickles a request it never finishes, is closed")
  void idleConnections() {
    long silent = closedAfter("");
    assertTrue(
        silent >= 900 && silent < 3000, "a silent connection closed after " + silent + " ms");
    long halfHeaders = closedAfter("POST /signin HTTP/1.1\r\nHost: x\r\n");
    assertTrue(halfHeaders >= 900 && halfHeaders < 3000, "half headers: " + halfHeaders + " ms");
    long halfBody =
        closedAfter(
            "POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"username\":");
    assertTrue(halfBody >= 900 && halfBody < 3000, "half a body: " + halfBody + " ms");
  }

  @Test
  @DisplayName("a kept-alive connection is closed once it stays idle after its answers")
  void keepAliveIdle() {
    long closed = closedAfter("GET /files HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(closed >= 900 && closed < 3000, "closed after " + closed + " ms");
  }

  @Test
  @DisplayName("an upload whose client stops sending ends after the idle time, leaving nothing")
  void stalledUpload() throws Exception {
    String token = server.utkal();
    SlowClients.Upload upload =
        SlowClients.Upload.start(vertx, http, server.port, token, "stall.bin", 16 * 1024, 10, 1000);
    TestServer.await("the upload runs", () -> server.tempBytes() > 0);
    upload.stop(); // the client goes silent but keeps its connection

    TestServer.await("the temp file is removed", () -> server.tempFiles().isEmpty());
    assertEquals(
        404,
        server
            .client
            .get("/upload/status")
            .putHeader("auth_token", token)
            .send()
            .await()
            .statusCode());
    assertFalse(Files.exists(server.uploads.resolve("Utkal/stall.bin")));
  }

  @Test
  @DisplayName("an export whose client stops reading ends after the idle time")
  void stalledExport() throws Exception {
    String token = server.utkal();
    Path file = TestServer.randomFile(dir, "big.bin", 64 * 1024 * 1024);
    assertEquals(200, server.upload(token, file, "big.bin").statusCode());
    SlowClients.Export export = SlowClients.Export.start(http, server.port, token, "big.bin");
    HttpClientResponse response = export.response.await();
    assertEquals(200, response.statusCode());

    TestServer.await(
        "the export is ended",
        () ->
            server
                    .client
                    .get("/export/status")
                    .putHeader("auth_token", token)
                    .send()
                    .await()
                    .statusCode()
                == 404);
    assertFalse(export.readRest(response).await(), "the export must break off");
  }

  @Test
  @DisplayName("a paused upload outlives the idle time and completes once resumed")
  void pauseIsNotIdle() throws Exception {
    String token = server.utkal();
    SlowClients.Upload upload =
        SlowClients.Upload.start(vertx, http, server.port, token, "p.bin", 16 * 1024, 5, 200);
    TestServer.await("the upload runs", () -> server.tempBytes() > 0);
    assertEquals(
        200,
        server
            .client
            .post("/upload/pause")
            .putHeader("auth_token", token)
            .send()
            .await()
            .statusCode());
    Thread.sleep(2500);
    JsonObject status =
        server
            .client
            .get("/upload/status")
            .putHeader("auth_token", token)
            .send()
            .await()
            .bodyAsJsonObject();
    assertEquals("paused", status.getString("state"), status.encode());
    assertEquals(
        200,
        server
            .client
            .post("/upload/resume")
            .putHeader("auth_token", token)
            .send()
            .await()
            .statusCode());
    assertEquals(200, upload.response.await().statusCode());
    assertEquals(200L * 16 * 1024, Files.size(server.uploads.resolve("Utkal/p.bin")));
  }
}
