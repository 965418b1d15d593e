package io.filejobs.export;

import io.filejobs.jobs.Flow;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.file.FileSystemException;
import java.nio.channels.FileChannel;

/**
 * Sends a file as the body of a response whose head is written, without copying it: the file goes
 * to the socket in ranges by sendfile(2) (Netty file regions), the kernel moving the bytes from
 * the page cache.
 *
 * <p>Vert.x's own {@code sendFile} does the same but ends the response and cannot be paused. Here
 * each range is handed on only when the one before the last has gone, so at most {@link
 * #IN_FLIGHT} ranges are on their way when a pause comes (they still go, and are counted), and a
 * stop closes the connection at once (a body that will never be whole has nothing left to
 * flush).
 *
 * <p>This reaches into Vert.x's connection ({@code io.vertx.core.net.impl.VertxConnection}, public
 * but not part of the API): {@link #of} says when it cannot, and the export then copies through a
 * {@link io.filejobs.jobs.Transfer} instead. Everything runs on the connection's context.
 */
final class ZeroCopySender implements Flow {

  /**
   * Bytes per range: below Vert.x's 1 MiB region size, so each range is one region with no error
   * logged by Vert.x when a stop cuts it short; and what the count moves by, as the copying path's
   * reads did, so a slow client is not taken for an idle one any sooner.
   */
  static final long RANGE = 256 * 1024;

  /** Ranges handed to the socket at once: one sending while the next waits, so it never idles. */
  static final int IN_FLIGHT = 2;

  private final VertxConnection connection;
  private final Context context;
  private final FileChannel file;
  private final long total;
  private final Promise<Long> done = Promise.promise();
  private volatile long queued;
  private long sent;
  private int inFlight;
  private boolean paused;
  private boolean stopped;

  private ZeroCopySender(VertxConnection connection, Context context, FileChannel file, long total) {
    this.connection = connection;
    this.context = context;
    this.file = file;
    this.total = total;
  }

  /**
   * True when the bytes of a response on {@code connection} can go out this way (an HTTP/1.x
   * connection of this Vert.x; without TLS, Vert.x sends the ranges as file regions, with TLS it
   * copies them in chunks itself).
   */
  static boolean possible(HttpConnection connection) {
    return connection instanceof VertxConnection;
  }

  /**
   * A sender of {@code total} bytes of {@code file} from its start, on {@code connection} (see
   * {@link #possible}), whose response head has been written.
   */
  static ZeroCopySender of(HttpConnection connection, Context context, FileChannel file, long total) {
    return new ZeroCopySender((VertxConnection) connection, context, file, total);
  }

  @Override
  public Future<Long> start() {
    if (total == 0) {
      done.tryComplete(0L);
    }
    next();
    return done.future();
  }

  private void next() {
    while (!stopped && !paused && inFlight < IN_FLIGHT && queued < total) {
      long at = queued;
      long length = Math.min(RANGE, total - at);
      queued += length;
      inFlight++;
      ChannelFuture written = connection.sendFile(file, at, length);
      written.addListener(f -> context.runOnContext(v -> rangeDone(f.isSuccess(), f.cause(), length)));
    }
  }

  private void rangeDone(boolean success, Throwable cause, long length) {
    inFlight--;
    if (stopped) {
      return;
    }
    if (!success) {
      stopped = true; // no more ranges
      failed(cause);
      return;
    }
    sent += length;
    if (sent == total) {
      stopped = true;
      done.tryComplete(sent);
    } else {
      next();
    }
  }

  /**
   * A range could not be sent: the client went away, or the file shrank under it (then the range
   * cannot be read whole), which is the server's fault and fails with a {@link
   * FileSystemException}.
   *
   * <p>The size is read here, on the event loop: an fstat of an open file, which touches no disk,
   * on a failure path only; on a worker, the connection's close (Netty closes it when a region
   * fails) would be taken for the client leaving before the answer came.
   */
  private void failed(Throwable cause) {
    long size;
    try {
      size = file.size();
    } catch (java.io.IOException e) {
      size = total;
    }
    done.tryFail(size < total
        ? new FileSystemException(
            "the file shrank from " + total + " to " + size + " bytes while it was sent")
        : cause);
  }

  /**
   * Bytes handed to the socket, as a copying transfer counts what it wrote to the response: the
   * client gets at most these (all of them unless the connection is cut), and a pause stops the
   * count.
   */
  @Override
  public long bytes() {
    return queued;
  }

  @Override
  public void pause() {
    paused = true;
  }

  @Override
  public void resume() {
    paused = false;
    next();
  }

  /** True once every range has been handed to the socket. */
  @Override
  public boolean sourceEnded() {
    return queued == total;
  }

  /**
   * Stops handing on ranges and closes the connection at once, dropping what it still holds; the
   * start's future fails (but for a failed range, with why it failed).
   */
  @Override
  public void stop() {
    stopped = true;
    done.tryFail(new IllegalStateException("stopped"));
    Channel channel = connection.channel();
    if (inFlight > 0 && channel.isOpen()) {
      // A reset, not a FIN behind the megabytes still queued (Vert.x's own close would flush the
      // ranges on their way first): the client learns at once that the body ends here, instead of
      // after reading what can no longer be whole.
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
      connection.channelHandlerContext().close();
    }
  }
}
