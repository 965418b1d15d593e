package io.filejobs;

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
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's budget for transfer buffers: a transfer that would not fit is refused with 503 and
 * Retry-After, before it claims anything; and what a paused transfer holds goes back when its
 * client leaves.
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class AdmissionTest {

  private static final int EXPORT_SIZE = 32 << 20;
  private static final long PER_TRANSFER = 1 << 20;

  @TempDir Path dir;
  TestServer server;
  HttpClient http;

  @BeforeEach
  void start(Vertx vertx) {
    http = vertx.createHttpClient();
  }

  @AfterEach
  void close() {
    http.close().await();
    // the next test's server sets its own budget; leave the default meanwhile
    BufferBudget.configure(0, 0);
  }

  @Test
  @DisplayName(
      "when the transfer budget is spent a new upload answers 503 busy with Retry-After and leaves nothing; once room is back it is stored")
  void spentBudgetRefusesNewTransfers(Vertx vertx) throws Exception {
    // Room for one transfer's bound: an export that holds anything leaves too little for another.
    server =
        TestServer.start(
            vertx, TestServer.settings(dir).withTransferMemory(PER_TRANSFER, PER_TRANSFER));
    String utkal = server.utkal();
    Path movie = TestServer.randomFile(dir, "movie.bin", EXPORT_SIZE);
    assertEquals(200, server.upload(utkal, movie, "movie.bin").statusCode());

    SlowClients.Export stalled = SlowClients.Export.start(http, server.port, utkal, "movie.bin");
    HttpClientResponse response = stalled.response.await(); // never read: its socket fills
    long sent = -1;
    for (long now = exportedBytes(utkal); now != sent; now = exportedBytes(utkal)) {
      sent = now;
      Thread.sleep(300);
    }
    assertTrue(sent < EXPORT_SIZE, "the client took it all");
    // It holds what its socket queued: one read (a quarter of the bound) and Netty's high-water
    // mark at most, not a queue of reads.
    long held = BufferBudget.inUse();
    System.out.println("a stalled export holds " + held + " bytes");
    assertTrue(held > 0 && held <= PER_TRANSFER / 4 + (64 << 10), "a stalled export holds " + held);
    assertFalse(BufferBudget.admits());

    String john = server.john();
    Path small = TestServer.randomFile(dir, "small.bin", 64 << 10);
    HttpResponse<Buffer> refused = server.upload(john, small, "small.bin");
    assertEquals(503, refused.statusCode(), refused.bodyAsString());
    assertEquals("busy", refused.bodyAsJsonObject().getString("error"));
    assertEquals("2", refused.getHeader("Retry-After"));
    assertFalse(Files.exists(server.uploads.resolve("John/small.bin")));
    assertEquals(java.util.List.of(), server.tempFiles());
    HttpResponse<Buffer> export =
        server
            .client
            .post("/export")
            .putHeader("auth_token", john)
            .sendJsonObject(new JsonObject().put("filename", "nothing.bin"))
            .await();
    assertEquals(
        503, export.statusCode(), "an export is refused alike, before its file is looked up");

    assertEquals(
        200,
        server
            .client
            .post("/export/terminate")
            .putHeader("auth_token", utkal)
            .send()
            .await()
            .statusCode());
    TestServer.await("the stalled export's buffers are back", BufferBudget::admits);
    assertFalse(stalled.readRest(response).await(), "the terminated export came whole");
    HttpResponse<Buffer> stored = server.upload(john, small, "small.bin");
    assertEquals(200, stored.statusCode(), stored.bodyAsString());
    assertEquals(-1L, Files.mismatch(small, server.uploads.resolve("John/small.bin")));
  }

  @Test
  @DisplayName(
      "a paused upload whose client closes, or resets, its connection ends at once and leaves nothing")
  void pausedUploadNoticesItsClientLeaving() throws Exception {
    // The transport the service runs on (FileJobs.vertx): Netty's epoll, which hears of a close or
    // a reset on a socket it does not read. (Java NIO does not: see the README.)
    Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setPreferNativeTransport(true));
    assertTrue(
        vertx.isNativeTransportEnabled(), "no epoll: " + vertx.unavailableNativeTransportCause());
    try {
      clientLeaves(vertx);
    } finally {
      vertx.close().await();
    }
  }

  private void clientLeaves(Vertx vertx) throws Exception {
    server = TestServer.start(vertx, dir);
    // A close (FIN) reaches a server that does not read only behind the bytes sent before it,
    // that is while they fit in its socket's receive buffer (about 128 KiB here): so the client
    // that closes is a paced one, and the one that resets blasts as fast as TCP lets it.
    for (boolean reset : new boolean[] {false, true}) {
      String token = server.utkal();
      byte[] content = new byte[64 << 20];
      new java.util.Random(3).nextBytes(content);
      SocketUpload upload =
          reset
              ? SocketUpload.start(server.port, "Utkal", token, "left.bin", content, 256 << 10, 0)
              : SocketUpload.start(server.port, "Utkal", token, "left.bin", content, 8 << 10, 50);
      TestServer.await("the upload runs", () -> server.tempBytes() > 0);
      HttpResponse<Buffer> paused =
          server.client.post("/upload/pause").putHeader("auth_token", token).send().await();
      assertEquals(200, paused.statusCode(), paused.bodyAsString());
      Thread.sleep(reset ? 300 : 100);
      // What the socket brought before the pause took hold: at most the rest of one read.
      long held = BufferBudget.inUse();
      System.out.println("a paused upload holds " + held + " bytes (reset: " + reset + ")");
      assertTrue(
          held <= io.filejobs.transport.SocketReads.MAX_READ, "a paused upload holds " + held);
      upload.close(reset);
      TestServer.await(
          "the paused upload ends (reset: " + reset + ")",
          () ->
              server
                      .client
                      .get("/upload/status")
                      .putHeader("auth_token", token)
                      .send()
                      .await()
                      .statusCode()
                  == 404);
      TestServer.await("its temp file is removed", () -> server.tempFiles().isEmpty());
      assertFalse(Files.exists(server.uploads.resolve("Utkal/left.bin")));
      TestServer.await("its buffers are given back", () -> BufferBudget.inUse() == 0);
    }
  }

  private long exportedBytes(String token) {
    HttpResponse<Buffer> status =
        server.client.get("/export/status").putHeader("auth_token", token).send().await();
    assertEquals(200, status.statusCode(), status.bodyAsString());
    return status.bodyAsJsonObject().getLong("bytes");
  }
}
