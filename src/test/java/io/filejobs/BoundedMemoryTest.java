package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.auth.Passwords;
import io.filejobs.auth.Tokens;
import io.filejobs.auth.Users;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What clients can make a node hold in memory: paused uploads, exports nobody reads and a chunked
 * upload that goes on pushing after its pause, beside uploads that run, in a service whose heap
 * (and so its direct memory) is 64 MiB. Each must hold no more than a read's worth, so that all of
 * them fit, nothing fails, and the node goes on answering.
 */
class BoundedMemoryTest {

  private static final int PAUSED = 64;
  private static final int STALLED = 64;
  private static final int RUNNING = 4;
  private static final int SIZE = 16 << 20;
  private static final String PASSWORD = "bounded-memory-test";

  @TempDir Path dir;

  private Vertx vertx;
  private HttpClient http;
  private ChildJvm node;
  private int port;
  private Tokens tokens;
  private byte[] content;
  private Path sent;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Socket socket : sockets) {
      socket.close();
    }
    if (node != null) {
      node.close();
      // the node's whole log, for whoever reads a failure
      Files.writeString(Path.of("target", "BoundedMemoryTest-node.log"), node.output());
    }
    vertx.close().await();
  }

  private void start(List<String> users, Map<String, String> extraEnv) throws Exception {
    String hash = Passwords.hash(PASSWORD);
    JsonArray entries = new JsonArray();
    for (String name : users) {
      entries.add(
          new JsonObject().put("username", name).put("passwordHash", hash).put("api_key", "k"));
    }
    Path usersFile = Files.writeString(dir.resolve("users.json"), entries.encodePrettily());
    Map<String, String> env = ChildJvm.env(dir, usersFile);
    env.putAll(extraEnv);
    node = ChildJvm.startWithOptions(List.of("-Xmx64m"), dir, env);
    port = node.port(60);
    tokens =
        new Tokens(vertx, TestServer.SECRET, 3600, Users.load(vertx, usersFile.toString()).await());
    content = new byte[SIZE];
    new Random(11).nextBytes(content);
    sent = Files.write(dir.resolve("sent.bin"), content);
  }

  @Test
  @DisplayName(
      "64 paused uploads, 64 exports nobody reads and a chunked upload pushing past its pause, beside running uploads, under -Xmx64m: nothing fails, every file arrives whole, sign-in stays fast")
  void pausedAndStalledTransfersFitInASmallHeap() throws Exception {
    List<String> users = new ArrayList<>();
    for (int i = 0; i < PAUSED; i++) {
      users.add("paused" + i);
    }
    for (int i = 0; i < STALLED; i++) {
      users.add("stalled" + i);
    }
    for (int i = 0; i < RUNNING; i++) {
      users.add("running" + i);
    }
    users.add("chunked");
    users.add("signer");
    start(users, Map.of());
    Path original = dir.resolve("Uploads/stalled0/big.bin");
    Files.createDirectories(original.getParent());
    Files.copy(sent, original);
    for (int i = 1; i < STALLED; i++) {
      Path link = dir.resolve("Uploads/stalled" + i + "/big.bin");
      Files.createDirectories(link.getParent());
      Files.createLink(link, original);
    }

    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      // Exports nobody reads: each holds what its socket has queued, and no more.
      List<Socket> exports = new ArrayList<>();
      for (int i = 0; i < STALLED; i++) {
        Socket socket = connect();
        byte[] body = "{\"filename\":\"big.bin\"}".getBytes(StandardCharsets.UTF_8);
        socket
            .getOutputStream()
            .write(
                ("POST /export HTTP/1.1\r\nHost: 127.0.0.1\r\nauth_token: "
                        + token("stalled" + i)
                        + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length
                        + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
        exports.add(socket);
      }
      for (int i = 0; i < STALLED; i++) {
        String user = "stalled" + i;
        awaitStatus(user, "export", status -> status.getLong("bytes") > 0);
      }

      // Uploads paused by their owners while their clients go on sending (64 KiB every 5 ms, so
      // that none is over before its owner pauses it; the chunked one below pushes as fast as
      // TCP lets it): eight at a time (64 at full speed at once would be more than this node's
      // budget, and some would rightly be told to come back later).
      List<SocketUpload> paused = new ArrayList<>();
      for (int batch = 0; batch < PAUSED; batch += 8) {
        List<Future<JsonObject>> pauses = new ArrayList<>();
        for (int i = batch; i < batch + 8; i++) {
          String user = "paused" + i;
          paused.add(SocketUpload.start(port, user, token(user), "p.bin", content, 64 << 10, 5));
          pauses.add(
              pool.submit(
                  () -> {
                    awaitStatus(user, "upload", status -> status.getLong("bytes") > 0);
                    return call("POST", "/upload/pause", user, 200);
                  }));
        }
        for (Future<JsonObject> pause : pauses) {
          assertEquals("paused", pause.get(60, TimeUnit.SECONDS).getString("state"));
        }
      }

      // A chunked upload in 4 KiB chunks that keeps pushing after its pause.
      ChunkedUpload chunked = new ChunkedUpload(connect(), token("chunked"), content);
      awaitStatus("chunked", "upload", status -> status.getLong("bytes") > 0);
      call("POST", "/upload/pause", "chunked", 200);

      // Uploads that run meanwhile.
      List<SocketUpload> running = new ArrayList<>();
      for (int i = 0; i < RUNNING; i++) {
        running.add(
            SocketUpload.start(
                port, "running" + i, token("running" + i), "r.bin", content, 256 << 10, 0));
      }

      Thread.sleep(1000);
      for (int i = 0; i < PAUSED; i += 8) {
        String user = "paused" + i;
        long before = call("GET", "/upload/status", user, 200).getLong("bytes");
        Thread.sleep(200);
        assertEquals(
            before,
            call("GET", "/upload/status", user, 200).getLong("bytes"),
            user + "'s paused upload moved");
      }
      // The chunked client pushes as fast as TCP lets it: the server reads none of it while
      // paused (it had read ~50 MiB in 1.5 s and run out of direct memory), so the client is
      // held back by the socket's buffers and never gets its whole body out.
      long chunkedStatus = call("GET", "/upload/status", "chunked", 200).getLong("bytes");
      Thread.sleep(500);
      assertEquals(
          chunkedStatus,
          call("GET", "/upload/status", "chunked", 200).getLong("bytes"),
          "the paused chunked upload moved");
      assertTrue(chunked.sent.get() < SIZE, "the chunked client sent its whole body while paused");

      for (int round = 0; round < 3; round++) {
        long began = System.nanoTime();
        HttpResponse<String> signin =
            http.send(
                HttpRequest.newBuilder(uri("/signin"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            new JsonObject()
                                .put("username", "signer")
                                .put("password", PASSWORD)
                                .encode()))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        long millis = (System.nanoTime() - began) / 1_000_000;
        assertEquals(200, signin.statusCode(), signin.body());
        assertTrue(millis < 3000, "a sign-in took " + millis + " ms\n" + tail());
      }

      for (SocketUpload upload : running) {
        assertTrue(upload.await(120), upload.user + ": no answer\n" + tail());
        assertEquals(200, upload.status, upload.user + "\n" + tail());
      }

      // Everything resumes and ends whole.
      for (int i = 0; i < PAUSED; i++) {
        call("POST", "/upload/resume", "paused" + i, 200);
      }
      call("POST", "/upload/resume", "chunked", 200);
      List<Future<String>> reads = new ArrayList<>();
      for (Socket socket : exports) {
        reads.add(pool.submit(() -> readExport(socket)));
      }
      String expected = sha256(content);
      for (Future<String> read : reads) {
        assertEquals(expected, read.get(120, TimeUnit.SECONDS), "an export's bytes\n" + tail());
      }
      for (SocketUpload upload : paused) {
        assertTrue(upload.await(120), upload.user + ": no answer\n" + tail());
        assertEquals(200, upload.status, upload.user + "\n" + tail());
      }
      assertEquals(200, chunked.awaitStatus(120), "the chunked upload\n" + tail());

      for (int i = 0; i < PAUSED; i++) {
        assertEquals(
            -1L, Files.mismatch(sent, dir.resolve("Uploads/paused" + i + "/p.bin")), "paused" + i);
      }
      for (int i = 0; i < RUNNING; i++) {
        assertEquals(
            -1L,
            Files.mismatch(sent, dir.resolve("Uploads/running" + i + "/r.bin")),
            "running" + i);
      }
      assertEquals(-1L, Files.mismatch(sent, dir.resolve("Uploads/chunked/c.bin")), "chunked");
      assertTrue(node.process.isAlive(), tail());
      assertFalse(node.output().contains("OutOfMemoryError"), tail());
    } finally {
      pool.shutdownNow();
    }
  }

  // --- clients ---

  private Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    sockets.add(socket);
    return socket;
  }

  private String token(String user) {
    return tokens.issue(user);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private JsonObject call(String method, String path, String user, int expected) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri(path))
                .header("auth_token", token(user))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(
        expected,
        response.statusCode(),
        method + " " + path + " by " + user + ": " + response.body());
    return new JsonObject(response.body());
  }

  private void awaitStatus(String user, String kind, java.util.function.Predicate<JsonObject> check)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri("/" + kind + "/status"))
                  .header("auth_token", token(user))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200 && check.test(new JsonObject(response.body()))) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            user + "'s " + kind + " never got going: " + response.body() + "\n" + tail());
      }
      Thread.sleep(20);
    }
  }

  /** Reads an export's answer to its end; the body's SHA-256. */
  private static String readExport(Socket socket) throws Exception {
    InputStream in = socket.getInputStream();
    String head = readHead(in);
    assertTrue(head.startsWith("HTTP/1.1 200"), head);
    long length = -1;
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Long.parseLong(line.substring(15).trim());
      }
    }
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[64 << 10];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("the export ended " + left + " bytes short");
      }
      digest.update(buffer, 0, n);
      left -= n;
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      head.write(c);
      matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private String tail() {
    String output = node.output();
    return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
  }

  /**
   * A multipart upload sent with {@code Transfer-Encoding: chunked}, 4 KiB a chunk, as fast as TCP
   * takes it.
   */
  private static final class ChunkedUpload {
    final AtomicLong sent = new AtomicLong();
    private final Socket socket;
    private final java.util.concurrent.CompletableFuture<Integer> status =
        new java.util.concurrent.CompletableFuture<>();

    ChunkedUpload(Socket socket, String token, byte[] content) {
      this.socket = socket;
      Thread sender = new Thread(() -> send(token, content), "chunked-upload");
      sender.setDaemon(true);
      sender.start();
      Thread reader = new Thread(this::receive, "chunked-answer");
      reader.setDaemon(true);
      reader.start();
    }

    private void send(String token, byte[] content) {
      try {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nauth_token: "
                    + token
                    + "\r\nContent-Type: multipart/form-data; boundary="
                    + SlowClients.BOUNDARY
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        chunk(
            out,
            SlowClients.partHead("file", "c.bin").getBytes(),
            0,
            SlowClients.partHead("file", "c.bin").length());
        for (int at = 0; at < content.length; at += 4096) {
          int n = Math.min(4096, content.length - at);
          chunk(out, content, at, n);
          sent.addAndGet(n);
        }
        byte[] closing = SlowClients.closing().getBytes();
        chunk(out, closing, 0, closing.length);
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException e) {
        // the server answered and closed, or the test ended
      }
    }

    private static void chunk(OutputStream out, byte[] bytes, int at, int n) throws IOException {
      out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes, at, n);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private void receive() {
      try {
        String head = readHead(socket.getInputStream());
        String[] parts = head.split(" ");
        status.complete(parts.length > 1 ? Integer.parseInt(parts[1]) : -1);
      } catch (IOException | RuntimeException e) {
        status.complete(-1);
      }
    }

    int awaitStatus(long seconds) throws Exception {
      return status.get(seconds, TimeUnit.SECONDS);
    }
  }
}
