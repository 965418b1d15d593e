package io.filejobs.transport;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.VertxConnection;

/**
 * What Vert.x's public {@link HttpConnection} cannot do to a connection.
 *
 * <p>Internal used: {@code io.vertx.core.net.impl.VertxConnection} (Vert.x 5.1), the class of every
 * TCP-based Vert.x connection, for its {@code channelHandlerContext()}: the Netty context of
 * Vert.x's own handler in the channel's pipeline.
 *
 * <p>On a Vert.x upgrade, check that HTTP/1 server connections are still {@code VertxConnection}s
 * (any other connection gets Vert.x's own close, which waits for the queue to flush), and that a
 * channel closed below Vert.x's handler still fails the writes it had queued, so that their buffers
 * are given back. {@code TerminateTest}'s stalled export checks both: it fails when a terminated
 * export whose client stopped reading keeps its connection or its memory.
 */
public final class Connections {

  private Connections() {}

  /**
   * Closes {@code connection} at once, dropping whatever is still queued on it.
   *
   * <p>Why: Vert.x's own close (and a response's reset) first flushes the queue, which a client
   * that stopped reading never lets happen: its connection, and the buffers queued on it, would
   * stay for ever (an unfinished export whose client stalled; BENCHMARKS.md's tuning log, the row
   * on closing below Vert.x's handler). This closes below Vert.x's handler, as Vert.x does itself
   * when a server shuts down; Vert.x then sees the channel close and fails what was queued. Any
   * other connection gets Vert.x's close. Call on the connection's event loop.
   */
  public static void closeNow(HttpConnection connection) {
    if (connection instanceof VertxConnection netty) {
      netty.channelHandlerContext().close();
    } else {
      connection.close();
    }
  }
}
