package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness that the tests of interrupted transfers stand on, checked on its own: {@link
 * CuttingProxy} against a plain Vert.x HTTP server that counts what it receives, and {@link
 * TusJsClient}'s node process. A fault here would otherwise show as a baffling server bug.
 */
@ExtendWith(VertxExtension.class)
class CuttingProxyTest {

  private static final Duration BOUND = Duration.ofSeconds(30);

  /** Runs a blocking client on a thread of its own (the common pool has one thread on 2 cores). */
  private static final java.util.concurrent.Executor OWN_THREAD =
      task -> {
        Thread thread = new Thread(task, "test-client");
        thread.setDaemon(true);
        thread.start();
      };

  @TempDir Path dir;

  Vertx vertx;
  HttpServer server;
  CuttingProxy proxy;

  /** Body bytes each request received when its connection ended before the body did. */
  final BlockingQueue<Long> cutShort = new LinkedBlockingQueue<>();

  /** Set by a test to have the server read nothing until it resumes the request. */
  volatile boolean pauseRequests;

  /** Completed with a way to resume it once a paused request is in. */
  final CompletableFuture<Runnable> pausedRequest = new CompletableFuture<>();

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    server =
        vertx
            .createHttpServer()
            .requestHandler(this::countBody)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    proxy = CuttingProxy.start(server.actualPort());
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
  }

  /** Answers "received N" once the whole body came; records N if the connection ends first. */
  private void countBody(HttpServerRequest request) {
    AtomicLong received = new AtomicLong();
    request.handler(chunk -> received.addAndGet(chunk.length()));
    request.endHandler(v -> request.response().end("received " + received.get()));
    request.exceptionHandler(e -> cutShort.add(received.get()));
    if (pauseRequests) {
      request.pause();
      Context context = Vertx.currentContext();
      pausedRequest.complete(() -> context.runOnContext(v -> request.resume()));
    }
  }

  @Test
  @DisplayName(
      "cutAfter(N) cuts a large upload after exactly N bytes: the server gets them and then the"
          + " end, the client an error; the next connection goes through")
  void cutAfterThenNextConnection() throws Exception {
    long total = 16L << 20;
    byte[] head = head(total);
    long n = (5L << 20) + 123; // not a multiple of any buffer: the cut splits a read
    proxy.cutAfter(head.length + n);

    Socket client = connect();
    CompletableFuture<String> sending =
        CompletableFuture.supplyAsync(() -> post(client, head, total), OWN_THREAD);
    Throwable failure = outcome(sending, client);

    assertInstanceOf(IOException.class, failure, "the client saw no failure");
    Long serverGot = cutShort.poll(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertTrue(serverGot != null, "the server saw no end of its request");
    assertTrue(serverGot >= n && serverGot < total, "the server got " + serverGot);
    assertEquals(n, serverGot, "the server got more or less than what passed the cut");
    assertEquals(head.length + n, proxy.requestBytes().get(0));
    assertEquals(1, proxy.cuts());

    HttpResponse<Buffer> next =
        WebClient.create(vertx)
            .post(proxy.port(), "127.0.0.1", "/")
            .sendBuffer(Buffer.buffer(new byte[1000]))
            .await(10, TimeUnit.SECONDS);
    assertEquals(200, next.statusCode());
    assertEquals("received 1000", next.bodyAsString());
    assertEquals(2, proxy.connections());
    assertEquals(1, proxy.cuts(), "cutAfter cuts once");
  }

  @Test
  @DisplayName("cutNow resets an open connection; the server gets what had passed, then the end")
  void cutNow() throws Exception {
    byte[] head = head(10_000);
    try (Socket client = connect()) {
      OutputStream out = client.getOutputStream();
      out.write(head);
      out.write(new byte[1000]);
      out.flush();
      awaitRequestBytes(head.length + 1000);

      proxy.cutNow();

      assertTrue(proxy.awaitCuts(1, BOUND));
      assertEquals(1000L, cutShort.poll(BOUND.toSeconds(), TimeUnit.SECONDS));
      client.setSoTimeout((int) BOUND.toMillis());
      IOException reset = null;
      try {
        client.getInputStream().read();
      } catch (IOException e) {
        reset = e;
      }
      assertTrue(reset != null, "the client's read did not fail");
    }
  }

  @Test
  @DisplayName(
      "a server that does not read stops the client's sending through the proxy (back-pressure),"
          + " and every byte arrives once it reads again")
  void backPressure() throws Exception {
    pauseRequests = true;
    long total = 128L << 20;
    byte[] head = head(total);
    Socket client = connect();
    AtomicLong sent = new AtomicLong();
    CompletableFuture<String> sending =
        CompletableFuture.supplyAsync(() -> post(client, head, total, sent), OWN_THREAD);

    // the first request of a JVM can take a second or two to reach the handler
    Runnable resume = pausedRequest.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    long stalledAt = awaitStall(sent);
    // Kernel buffers on both hops, the proxy's 64 KiB and Vert.x's inbound queue hold a few MiB
    // in all; a proxy that buffered without bound would take the whole 128 MiB.
    assertTrue(stalledAt < 64L << 20, "the client sent " + stalledAt + " bytes to a paused server");

    resume.run();
    Throwable failure = outcome(sending, client);
    assertNull(failure, "the client failed: " + failure);
    String answer = sending.get();
    assertTrue(answer.startsWith("HTTP/1.1 200") && answer.endsWith("received " + total), answer);
    assertEquals(0, proxy.cuts());
  }

  @Test
  @DisplayName("the node harness runs: node --version through TusJsClient's runner")
  void nodeRuns() throws Exception {
    try (TusJsClient node = TusJsClient.node(Duration.ofSeconds(20), "--version")) {
      assertEquals(0, node.exitCode(Duration.ofSeconds(15)), node.output());
      assertTrue(node.stdout().startsWith("v"), node.output());
    }
  }

  @Test
  @DisplayName(
      "tus-upload.mjs against a port where nothing listens reports an error event, status null,"
          + " and exits with 1 within seconds")
  void tusClientReportsRefusedConnection() throws Exception {
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = socket.getLocalPort();
    }
    Path file = TestServer.randomFile(dir, "a.bin", 10_000);
    JsonObject options =
        new JsonObject()
            .put("endpoint", "http://127.0.0.1:" + deadPort + "/tus")
            .put("file", file.toString())
            .put("token", "unused")
            .put("filename", "a.bin")
            .put("retryDelays", new JsonArray());

    long started = System.nanoTime();
    try (TusJsClient tus = TusJsClient.upload(options, Duration.ofSeconds(30))) {
      JsonObject error = tus.awaitEvent("error", Duration.ofSeconds(10));
      assertTrue(error.containsKey("status") && error.getValue("status") == null, tus.output());
      assertTrue(error.getString("message").contains("ECONNREFUSED"), tus.output());
      assertEquals(1, tus.exitCode(Duration.ofSeconds(10)), tus.output());
      assertTrue(
          tus.events().stream().noneMatch(e -> "retry".equals(e.getString("event"))), tus.output());
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    assertTrue(seconds < 10, "took " + seconds + " s");
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    socket.setSoTimeout((int) BOUND.toMillis());
    return socket;
  }

  private static byte[] head(long contentLength) {
    return ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + contentLength + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static String post(Socket client, byte[] head, long total) {
    return post(client, head, total, new AtomicLong());
  }

  /**
   * Sends {@code head} and {@code total} zero bytes of body, counting them in {@code sent}, then
   * reads the answer until the server closes or answers; a blocking client, like curl.
   */
  private static String post(Socket client, byte[] head, long total, AtomicLong sent) {
    try {
      OutputStream out = client.getOutputStream();
      out.write(head);
      byte[] chunk = new byte[64 * 1024];
      while (sent.get() < total) {
        int n = (int) Math.min(chunk.length, total - sent.get());
        out.write(chunk, 0, n);
        sent.addAndGet(n);
      }
      out.flush();
      InputStream in = client.getInputStream();
      StringBuilder answer = new StringBuilder();
      byte[] buffer = new byte[4096];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        if (answer.indexOf("received") >= 0) {
          break;
        }
      }
      return answer.toString();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * What became of a send: null if it completed, else its IOException. Bounded: the socket is
   * closed after {@link #BOUND}, which ends a write blocked for good.
   */
  private static Throwable outcome(CompletableFuture<String> sending, Socket client)
      throws InterruptedException {
    try {
      sending.get(BOUND.toSeconds(), TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the client was still sending after " + BOUND);
    } finally {
      try {
        client.close();
      } catch (IOException e) {
        // closed
      }
    }
  }

  /** Waits until the proxy has forwarded {@code bytes} request bytes on its first connection. */
  private void awaitRequestBytes(long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (proxy.requestBytes().isEmpty() || proxy.requestBytes().get(0) < bytes) {
      assertTrue(System.nanoTime() < deadline, "the proxy forwarded " + proxy.requestBytes());
      Thread.sleep(20);
    }
  }

  /** The count in {@code sent} once it has not moved for 500 ms (within {@link #BOUND}). */
  private static long awaitStall(AtomicLong sent) throws InterruptedException {
    long deadline = System.nanoTime() + BOUND.toNanos();
    long last = -1;
    int still = 0;
    while (still < 5) {
      assertTrue(System.nanoTime() < deadline, "the client never stalled: " + sent.get());
      Thread.sleep(100);
      long now = sent.get();
      still = now == last ? still + 1 : 0;
      last = now;
    }
    return last;
  }
}
