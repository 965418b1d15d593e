package io.filejobs.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections that hold the server without using it: one that carries no request for the
 * idle time (a client that connects and sends nothing, or trickles its headers, or keeps an idle
 * connection open), and one whose request is neither answered nor handed to a job within it (a JSON
 * body trickled byte by byte).
 *
 * <p>A request handed to a job is the job's to watch: a job ends itself when its bytes stop for the
 * idle time, except while its owner has paused it. That is why the server's own idle timeout (which
 * cannot tell a paused transfer from a dead one) is not used.
 *
 * <p>One instance per HTTP verticle; everything runs on its event loop.
 */
final class IdleWatch {

  private static final Logger log = LoggerFactory.getLogger(IdleWatch.class);
  private static final String WATCHED = "filejobs.idle.watched";

  private final Vertx vertx;
  private final long idleMillis;
  private final Map<HttpConnection, Long> timers = new HashMap<>();

  IdleWatch(Vertx vertx, long idleSeconds) {
    this.vertx = vertx;
    this.idleMillis = idleSeconds * 1000;
  }

  /** A new connection: it must bring a request within the idle time. */
  void connected(HttpConnection connection) {
    connection.closeHandler(v -> cancel(connection));
    arm(connection, "no request");
  }

  /**
   * The first handler of every route: the request must be answered, or handed to a job, within the
   * idle time; once answered, the connection must bring its next request within it.
   */
  void requestBegan(RoutingContext ctx) {
    HttpConnection connection = ctx.request().connection();
    ctx.put(WATCHED, Boolean.TRUE);
    arm(connection, "a request that was never completed");
    ctx.addEndHandler(
        v -> {
          if (Boolean.TRUE.equals(ctx.get(WATCHED))) {
            arm(connection, "no request");
          }
        });
    ctx.next();
  }

  /** The request now belongs to a job, which watches it; the connection waits for its end. */
  void handedOff(RoutingContext ctx) {
    ctx.put(WATCHED, Boolean.FALSE);
    cancel(ctx.request().connection());
    ctx.addEndHandler(v -> arm(ctx.request().connection(), "no request"));
  }

  private void arm(HttpConnection connection, String why) {
    cancel(connection);
    long timer =
        vertx.setTimer(
            idleMillis,
            id -> {
              timers.remove(connection);
              log.debug(
                  "closing a connection from {}: {} in {} ms",
                  connection.remoteAddress(),
                  why,
                  idleMillis);
              connection.close();
            });
    timers.put(connection, timer);
  }

  private void cancel(HttpConnection connection) {
    Long timer = timers.remove(connection);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }
}
