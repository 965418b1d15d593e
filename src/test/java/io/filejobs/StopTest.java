package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node asked to stop: it stops accepting, lets transfers end within the grace time, cleans up.
 */
class StopTest {

  @TempDir Path dir;

  @Test
  @DisplayName(
      "on SIGTERM the server refuses new connections first, an upload that ends within the grace time is stored, the rest are ended with 503 and cleaned up")
  void sigterm() throws Exception {
    byte[] exported = new byte[32 << 20];
    new Random(7).nextBytes(exported);
    Files.createDirectories(dir.resolve("Uploads/John"));
    Files.write(dir.resolve("Uploads/John/big.bin"), exported);
    Map<String, String> env =
        ChildJvm.env(dir, ChildJvm.projectUsers(), "FILEJOBS_STOP_GRACE_SECONDS", "2");
    try (ChildJvm node = ChildJvm.start(dir, env)) {
      int port = node.port(60);
      String utkal = CrashTest.signin(port, "Utkal", "utkal123");
      String john = CrashTest.signin(port, "John", "john123");
      String blake = CrashTest.signin(port, "Blake", "blake123");
      byte[] slow = new byte[8 << 20];
      byte[] quick = new byte[1 << 20];
      new Random(1).nextBytes(slow);
      new Random(2).nextBytes(quick);
      try (SocketUpload endless =
              SocketUpload.start(port, "Utkal", utkal, "endless.bin", slow, 16 * 1024, 20);
          SlowExport export = SlowExport.start(port, john, "big.bin", 64 * 1024, 20)) {
        TestServer.await(
            "the transfers run", () -> endless.sent > 100_000 && export.received.get() > 100_000);
        SocketUpload finishing =
            SocketUpload.start(port, "Blake", blake, "quick.bin", quick, 64 * 1024, 50);
        TestServer.await("the quick upload runs", () -> running(port, blake));

        long stopAt = System.nanoTime();
        node.terminate();
        awaitRefused(port);
        assertEquals(
            0, endless.status, "the server stopped accepting before it ended any transfer");

        assertTrue(finishing.await(10));
        assertTrue(endless.await(10));
        long endedAfterMs = (System.nanoTime() - stopAt) / 1_000_000;
        assertTrue(export.ended.await(10, TimeUnit.SECONDS));
        assertTrue(node.process.waitFor(15, TimeUnit.SECONDS), "the process must exit");
        node.awaitOutputEnd();
        String log = node.output() + "\nexit " + node.process.exitValue();
        assertEquals(
            200,
            finishing.status,
            () -> "an upload that ends within the grace time is stored:\n" + log);
        assertEquals(
            503, endless.status, () -> "a running upload is told the service is stopping:\n" + log);
        assertTrue(
            endedAfterMs >= 1500, "ended after " + endedAfterMs + " ms, before the grace time");
        assertFalse(export.whole.get(), "the cut export must look incomplete to its client");
        assertTrue(export.received.get() < exported.length);
        assertTrue(node.output().contains("filejobs stopped"), node.output());
      }
      assertArrayEquals(quick, Files.readAllBytes(dir.resolve("Uploads/Blake/quick.bin")));
      assertFalse(Files.exists(dir.resolve("Uploads/Utkal/endless.bin")));
      assertArrayEquals(exported, Files.readAllBytes(dir.resolve("Uploads/John/big.bin")));
      assertNoNodeFolder(dir.resolve("tmp"));
      assertNoNodeFolder(dir.resolve("Uploads/.staging"));
    }
  }

  @Test
  @DisplayName(
      "closing (undeploying) an in-process node ends its running upload with 503 and removes its temp files")
  void undeploy() throws Exception {
    Settings settings = TestServer.settings(dir).withStopGraceSeconds(0);
    Vertx vertx = FileJobs.vertx(settings).await();
    FileJobs.Running running = FileJobs.deploy(vertx, settings).await();
    String token =
        new io.filejobs.auth.Tokens(
                vertx,
                TestServer.SECRET,
                60,
                io.filejobs.auth.Users.load(vertx, "usersData.json").await())
            .issue("Utkal");
    byte[] slow = new byte[4 << 20];
    try (SocketUpload upload =
        SocketUpload.start(running.port(), "Utkal", token, "cut.bin", slow, 16 * 1024, 20)) {
      Path temp = dir.resolve("tmp");
      TestServer.await("the upload runs", () -> !TestServer.tempFiles(temp).isEmpty());
      vertx.close().await();
      assertTrue(upload.await(5));
      assertEquals(503, upload.status);
      assertEquals(java.util.List.of(), TestServer.tempFiles(temp));
      assertNoNodeFolder(temp);
      assertNoNodeFolder(dir.resolve("Uploads/.staging"));
    }
  }

  /** Whether the user's upload runs, as {@code GET /upload/status} tells. */
  private static boolean running(int port, String token) {
    try {
      return java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create("http://127.0.0.1:" + port + "/upload/status"))
                      .header("auth_token", token)
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static void assertNoNodeFolder(Path temp) throws IOException {
    try (Stream<Path> entries = Files.list(temp)) {
      assertEquals(
          0,
          entries.filter(Files::isDirectory).count(),
          "the node's folder is removed from " + temp);
    }
  }

  /** Waits until a new connection to {@code port} is refused (2 s at most). */
  @SuppressWarnings("try") // the probe is only opened and closed
  private static void awaitRefused(int port) throws InterruptedException {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (Socket probe = new Socket("127.0.0.1", port)) {
        Thread.sleep(5);
      } catch (ConnectException refused) {
        return;
      } catch (IOException other) {
        Thread.sleep(5);
      }
    }
    throw new AssertionError("new connections were still accepted 2 s after SIGTERM");
  }

  /** An export read by a plain socket, {@code chunk} bytes every {@code pauseMs}. */
  static final class SlowExport implements AutoCloseable {
    final AtomicLong received = new AtomicLong();
    final AtomicBoolean whole = new AtomicBoolean();
    final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
    private final Socket socket;

    private SlowExport(Socket socket) {
      this.socket = socket;
    }

    static SlowExport start(int port, String token, String filename, int chunk, long pauseMs)
        throws IOException {
      Socket socket = new Socket("127.0.0.1", port);
      socket.setReceiveBufferSize(64 * 1024);
      SlowExport export = new SlowExport(socket);
      Thread thread =
          new Thread(() -> export.run(token, filename, chunk, pauseMs), "export-" + filename);
      thread.setDaemon(true);
      thread.start();
      return export;
    }

    private void run(String token, String filename, int chunk, long pauseMs) {
      try {
        String body = new JsonObject().put("filename", filename).encode();
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /export HTTP/1.1\r\nHost: 127.0.0.1\r\nauth_token: "
                    + token
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length()
                    + "\r\n\r\n"
                    + body)
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = socket.getInputStream();
        long length = -1;
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0; c = in.read()) { // the head, line by line
          if (c != '\n') {
            line.append((char) c);
            continue;
          }
          String header = line.toString().trim();
          line.setLength(0);
          if (header.isEmpty()) {
            break;
          }
          if (header.toLowerCase().startsWith("content-length:")) {
            length = Long.parseLong(header.substring(15).trim());
          }
        }
        byte[] buffer = new byte[chunk];
        for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
          if (received.addAndGet(n) >= length) {
            break;
          }
          Thread.sleep(pauseMs);
        }
        whole.set(length > 0 && received.get() == length);
      } catch (IOException | InterruptedException e) {
        // the connection was cut
      } finally {
        ended.countDown();
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
