package io.filejobs;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;

/** Bytes over a plain socket, for requests no HTTP client would send. */
final class RawHttp {

  private RawHttp() {}

  /**
   * Sends {@code bytes}, then reads until the server closes the connection or {@code waitMs}
   * passes; completes with what the server answered (possibly nothing).
   */
  static Future<String> exchange(Vertx vertx, NetClient net, int port, Buffer bytes, long waitMs) {
    return net.connect(port, "127.0.0.1")
        .compose(
            socket -> {
              Promise<String> answer = Promise.promise();
              Buffer received = Buffer.buffer();
              socket.handler(received::appendBuffer);
              socket.exceptionHandler(e -> answer.tryComplete(received.toString()));
              socket.closeHandler(v -> answer.tryComplete(received.toString()));
              long timer =
                  vertx.setTimer(
                      waitMs,
                      id -> {
                        answer.tryComplete(received.toString());
                        socket.close();
                      });
              socket.write(bytes);
              return answer.future().onComplete(ar -> vertx.cancelTimer(timer));
            });
  }

  /** The status codes of every HTTP response in {@code raw}. */
  static java.util.List<Integer> statuses(String raw) {
    java.util.List<Integer> found = new java.util.ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("HTTP/1\\.[01] (\\d{3})").matcher(raw);
    while (m.find()) {
      found.add(Integer.parseInt(m.group(1)));
    }
    return found;
  }
}
