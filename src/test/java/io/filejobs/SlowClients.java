package io.filejobs;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicLong;

/** Clients that move bytes slowly, so that a transfer is provably still running. */
final class SlowClients {

  static final String BOUNDARY = "filejobs-test-boundary";

  private SlowClients() {}

  /** The opening of a multipart body whose field {@code file} carries {@code filename}. */
  static Buffer partHead(String field, String filename) {
    return Buffer.buffer(
        "--"
            + BOUNDARY
            + "\r\n"
            + "Content-Disposition: form-data; name=\""
            + field
            + "\"; filename=\""
            + filename
            + "\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n");
  }

  static Buffer closing() {
    return Buffer.buffer("\r\n--" + BOUNDARY + "--\r\n");
  }

  /**
   * A POST of a {@code contentType} body to {@code uri} on {@code port}, as {@code token}'s user.
   */
  private static RequestOptions post(int port, String uri, String token, String contentType) {
    return new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost("127.0.0.1")
        .setPort(port)
        .setURI(uri)
        .putHeader("auth_token", token)
        .putHeader("Content-Type", contentType);
  }

  /**
   * An upload that sends {@code chunk} bytes every {@code periodMs} ms, for at most {@code
   * maxChunks} chunks, and then the end of the form; {@link #stop} stops sending.
   */
  static final class Upload {
    final HttpClientRequest request;
    final Future<HttpClientResponse> response;
    final AtomicLong sent = new AtomicLong();
    private final Vertx vertx;
    private long timer;

    private Upload(Vertx vertx, HttpClientRequest request) {
      this.vertx = vertx;
      this.request = request;
      this.response = request.response();
    }

    static Upload start(
        Vertx vertx,
        HttpClient client,
        int port,
        String token,
        String filename,
        int chunk,
        long periodMs,
        int maxChunks) {
      HttpClientRequest request =
          client
              .request(post(port, "/upload", token, "multipart/form-data; boundary=" + BOUNDARY))
              .await();
      request.setChunked(true);
      Upload upload = new Upload(vertx, request);
      request.write(partHead("file", filename));
      byte[] bytes = new byte[chunk];
      new java.util.Random(1).nextBytes(bytes);
      Buffer data = Buffer.buffer(bytes);
      int[] count = {0};
      upload.timer =
          vertx.setPeriodic(
              periodMs,
              id -> {
                if (count[0]++ >= maxChunks) {
                  vertx.cancelTimer(id);
                  request.end(closing());
                  return;
                }
                request.write(data).onSuccess(v -> upload.sent.addAndGet(chunk));
              });
      return upload;
    }

    void stop() {
      vertx.cancelTimer(timer);
    }
  }

  /** An export whose response is not read until {@link #readRest} (the client holds back). */
  static final class Export {
    final Future<HttpClientResponse> response;
    final AtomicLong received = new AtomicLong();

    /** SHA-256 of the bytes received, once {@link #readRest} has ended. */
    final java.security.MessageDigest sha256;

    private final Promise<Boolean> ended = Promise.promise();

    private Export(Future<HttpClientResponse> response) {
      this.response = response;
      try {
        this.sha256 = java.security.MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    static Export start(HttpClient client, int port, String token, String filename) {
      // The Export exists before the request is sent: the answer may come (on the client's event
      // loop) before this thread would otherwise have made it.
      Promise<HttpClientResponse> answered = Promise.promise();
      Export export = new Export(answered.future());
      client
          .request(post(port, "/export", token, "application/json"))
          .compose(req -> req.send(new JsonObject().put("filename", filename).encode()))
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  answered.fail(ar.cause());
                  return;
                }
                // Handlers are set at once, while the response is paused: no byte can arrive
                // before them, whenever the test gets to read the rest.
                HttpClientResponse resp = ar.result();
                try {
                  resp.pause();
                  export.watch(resp);
                  answered.complete(resp);
                } catch (RuntimeException e) {
                  answered.fail(e);
                }
              });
      return export;
    }

    private void watch(HttpClientResponse resp) {
      resp.handler(
          b -> {
            received.addAndGet(b.length());
            sha256.update(b.getBytes());
          });
      resp.exceptionHandler(e -> ended.tryComplete(false));
      resp.endHandler(v -> ended.tryComplete(true));
    }

    /**
     * Reads the rest of the body; completes with true if it ended normally, false if the connection
     * broke off first.
     */
    Future<Boolean> readRest(HttpClientResponse resp) {
      resp.resume();
      return ended.future();
    }
  }
}
