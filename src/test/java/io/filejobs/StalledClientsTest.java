package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.jobs.JobBus;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that stop in the middle of a transfer hold only their own socket and buffers: the server
 * stops reading the file for an export nobody reads, takes nothing more from an upload nobody
 * sends, and serves other users meanwhile as if they were not there. (How stalled transfers time
 * out is {@link IdleTest}'s; how fast transfers are is measured by {@code bench/run}: this test
 * checks that the others are not held up, within a generous bound.)
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class StalledClientsTest {

  /** Utkal's file, exported to a client that never reads: far more than socket buffers hold. */
  static final int STALLED_EXPORT = 64 * 1024 * 1024;

  /** What John's upload sends before it stalls (of the 64 MiB its Content-Length announces). */
  static final int STALLED_UPLOAD_SENT = 384 * 1024;

  /** Blake's file, uploaded and exported while the other two are stalled. */
  static final int OTHER = 32 * 1024 * 1024;

  /** Generous: on 2 cores either transfer of 32 MiB takes well under a second. */
  static final long BOUND_MS = 10_000;

  @TempDir Path dir;
  TestServer server;
  HttpClient http;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestServer.start(vertx, dir);
    http = vertx.createHttpClient();
  }

  @AfterEach
  void close() {
    http.close().await();
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  @DisplayName(
      "while one user's export is not read and another's upload stops sending, a third"
          + " user uploads and exports 32 MiB whole and in time; the stalled ones stay held by"
          + " back-pressure and leave nothing once terminated")
  void stalledClientsHoldOnlyThemselves(Vertx vertx) throws Exception {
    String utkal = server.utkal();
    String john = server.john();
    String blake = server.blake();
    Path big = TestServer.randomFile(dir, "big.bin", STALLED_EXPORT);
    assertEquals(200, server.upload(utkal, big, "big.bin").statusCode());
    byte[] blakes = new byte[OTHER];
    new Random(7).nextBytes(blakes);
    Path blakeFile = dir.resolve("blake.bin");
    Files.write(blakeFile, blakes);

    // Blake's transfers with nobody stalled: the reference the log shows next to the stalled run.
    long[] alone = uploadAndExport(blake, blakeFile, blakes, "alone.bin");

    // Utkal exports and never reads: the server sends what the buffers take, then waits.
    SlowClients.Export stalledExport =
        SlowClients.Export.start(http, server.port, utkal, "big.bin");
    HttpClientResponse exportResponse = stalledExport.response.await(20, TimeUnit.SECONDS);
    assertEquals(200, exportResponse.statusCode());
    long exportHeld = settled("Utkal's export", () -> statusBytes(utkal, "export"));
    assertTrue(
        exportHeld > 0 && exportHeld < STALLED_EXPORT / 2,
        "a stalled export must be held by back-pressure well before the end of the file, but "
            + exportHeld
            + " of "
            + STALLED_EXPORT
            + " bytes were sent");

    // John sends a few hundred KiB of his upload and then nothing, keeping the connection open.
    try (StalledUpload stalledUpload = StalledUpload.start(server.port, john, "stalled.bin")) {
      TestServer.await("John's upload has a temp file", () -> server.tempFiles().size() == 1);
      Path johnsTemp = server.tempFiles().get(0);
      long uploadHeld = settled("John's temp file", () -> size(johnsTemp));
      assertTrue(
          uploadHeld > STALLED_UPLOAD_SENT / 2 && uploadHeld <= STALLED_UPLOAD_SENT,
          "John's temp file holds "
              + uploadHeld
              + " of the "
              + STALLED_UPLOAD_SENT
              + " bytes sent");

      Thread.sleep(500);
      assertEquals(exportHeld, statusBytes(utkal, "export"), "the stalled export went on");
      assertEquals(uploadHeld, size(johnsTemp), "the stalled upload's temp file grew");

      // While both are stalled, Blake uploads and exports a file of his own.
      long[] stalled = uploadAndExport(blake, blakeFile, blakes, "during.bin");
      System.out.printf(
          "StalledClientsTest: Blake's 32 MiB upload and export took %d and %d ms alone, %d and"
              + " %d ms beside the stalled clients (Utkal's export held at %d bytes, John's"
              + " upload at %d)%n",
          alone[0], alone[1], stalled[0], stalled[1], exportHeld, uploadHeld);
      assertTrue(stalled[0] < BOUND_MS, "Blake's upload took " + stalled[0] + " ms");
      assertTrue(stalled[1] < BOUND_MS, "Blake's export took " + stalled[1] + " ms");

      // The stalled transfers did not move meanwhile, and are still there.
      assertEquals(exportHeld, statusBytes(utkal, "export"), "the stalled export went on");
      assertEquals(uploadHeld, size(johnsTemp), "the stalled upload's temp file grew");
      assertEquals(uploadHeld, statusBytes(john, "upload"), "the upload's status and temp file");

      // Terminated, each ends at once and leaves nothing behind.
      HttpResponse<Buffer> exportEnd =
          server.client.post("/export/terminate").putHeader("auth_token", utkal).send().await();
      assertEquals(200, exportEnd.statusCode(), exportEnd.bodyAsString());
      assertEquals(exportHeld, exportEnd.bodyAsJsonObject().getLong("bytes"));
      HttpResponse<Buffer> uploadEnd =
          server.client.delete("/upload/terminate").putHeader("auth_token", john).send().await();
      assertEquals(200, uploadEnd.statusCode(), uploadEnd.bodyAsString());
      assertEquals(uploadHeld, uploadEnd.bodyAsJsonObject().getLong("bytes"));

      assertFalse(
          stalledExport.readRest(exportResponse).await(20, TimeUnit.SECONDS),
          "Utkal's export must break off");
      assertTrue(stalledExport.received.get() <= exportHeld);
      int johnsAnswer = stalledUpload.answer();
      assertTrue(Set.of(409, -1, 0).contains(johnsAnswer), "John's upload answered " + johnsAnswer);
    }
    assertEquals(List.of(), server.tempFiles(), "temp files left");
    assertFalse(
        Files.exists(server.uploads.resolve("John/stalled.bin")), "a terminated upload was stored");
    assertEquals(STALLED_EXPORT, Files.size(server.uploads.resolve("Utkal/big.bin")));
    for (String[] job :
        new String[][] {
          {utkal, "export"}, {john, "upload"}, {blake, "upload"}, {blake, "export"}
        }) {
      assertEquals(404, status(job[0], job[1]).statusCode(), job[1] + " still registered");
    }
    for (String kind : List.of("upload", "export")) {
      assertTrue(
          vertx.sharedData().getLocalMap(JobBus.handlesMap(kind)).isEmpty(),
          kind + " jobs left in the local map");
    }
  }

  /**
   * Uploads {@code file} as {@code name} and exports it again, checking both answers and that the
   * export is byte for byte the file; returns how long each took, in ms.
   */
  private long[] uploadAndExport(String token, Path file, byte[] content, String name) {
    long began = System.nanoTime();
    HttpResponse<Buffer> upload = server.upload(token, file, name);
    long uploaded = System.nanoTime();
    assertEquals(200, upload.statusCode(), upload.bodyAsString());
    HttpResponse<Buffer> export =
        server
            .client
            .post("/export")
            .putHeader("auth_token", token)
            .sendJsonObject(new JsonObject().put("filename", name))
            .await();
    long exported = System.nanoTime();
    assertEquals(200, export.statusCode());
    assertArrayEquals(content, export.body().getBytes(), "the export of " + name);
    return new long[] {(uploaded - began) / 1_000_000, (exported - uploaded) / 1_000_000};
  }

  private HttpResponse<Buffer> status(String token, String kind) {
    return server.client.get("/" + kind + "/status").putHeader("auth_token", token).send().await();
  }

  /** The "bytes" of the user's running job of {@code kind}. */
  private long statusBytes(String token, String kind) {
    HttpResponse<Buffer> status = status(token, kind);
    assertEquals(200, status.statusCode(), kind + " status: " + status.bodyAsString());
    assertEquals("running", status.bodyAsJsonObject().getString("state"));
    return status.bodyAsJsonObject().getLong("bytes");
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new AssertionError(file + " is gone", e);
    }
  }

  /** Waits until {@code value} has not changed for 300 ms (10 s at most) and returns it. */
  private static long settled(String what, java.util.function.LongSupplier value)
      throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    long last = value.getAsLong();
    while (System.nanoTime() < deadline) {
      Thread.sleep(300);
      long now = value.getAsLong();
      if (now == last) {
        return now;
      }
      last = now;
    }
    throw new AssertionError(what + " kept changing for 10 s (last " + last + ")");
  }

  /**
   * An upload over a plain socket that announces 64 MiB, sends {@value #STALLED_UPLOAD_SENT} bytes
   * of the file and then nothing more, keeping its connection open.
   */
  static final class StalledUpload implements AutoCloseable {
    private final Socket socket;

    private StalledUpload(Socket socket) {
      this.socket = socket;
    }

    static StalledUpload start(int port, String token, String name) throws IOException {
      Socket socket = new Socket("127.0.0.1", port);
      byte[] head = SlowClients.partHead("file", name).getBytes();
      byte[] tail = SlowClients.closing().getBytes();
      long length = head.length + 64L * 1024 * 1024 + tail.length;
      byte[] sent = new byte[STALLED_UPLOAD_SENT];
      new Random(3).nextBytes(sent);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nauth_token: "
                  + token
                  + "\r\nContent-Type: multipart/form-data; boundary="
                  + SlowClients.BOUNDARY
                  + "\r\nContent-Length: "
                  + length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(head);
      out.write(sent);
      out.flush();
      return new StalledUpload(socket);
    }

    /**
     * The status code the server answered (10 s at most): -1 if it closed the connection without
     * one, 0 if it reset it.
     */
    int answer() throws IOException {
      socket.setSoTimeout(10_000);
      try {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
          line.append((char) c);
        }
        String[] parts = line.toString().split(" ");
        return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the terminated upload's connection stays open without an answer");
      } catch (IOException e) {
        return 0;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
