package io.filejobs.jobs;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.VertxConnection;

/**
 * How a connection's socket is read: how much one read may bring, and whether it is read at all
 * while a transfer waits for its disk.
 *
 * <p>Both reach into Vert.x's connection ({@code io.vertx.core.net.impl.VertxConnection}, public
 * but not part of its API), as {@code http.Failures.closeNow} does; Vert.x has no option for
 * either. Any other connection (or none) keeps Vert.x's own behaviour. Everything runs on the
 * connection's event loop.
 */
public final class SocketReads {

  /**
   * Largest read: 256 KiB, one piece of body as the HTTP decoder hands it on
   * ({@code HttpVerticle.MAX_BODY_CHUNK}).
   */
  public static final int MAX_READ = 256 * 1024;

  /** Netty's own smallest and first guesses. */
  private static final int MIN_READ = 64;

  private static final int FIRST_READ = 2048;

  private SocketReads() {}

  /**
   * Lets reads of {@code connection} grow to {@link #MAX_READ} (Netty stops at 64 KiB); called as
   * it is accepted.
   *
   * <p>Why: on an upload at loopback speeds, the kernel's receive path was most of the event
   * loop's time, and it is paid per read as much as per byte (each read's window update wakes the
   * sender's side of the stack, run on the reading thread). Reads four times larger cut the event
   * loop's CPU per uploaded GiB by about a quarter (BENCHMARKS.md, tuning log). Netty's adaptive
   * sizing still shrinks the reads of a slow connection, so a trickle holds no large buffer, and
   * each buffer is given back as soon as the HTTP decoder has handed its pieces on. (Vert.x's
   * receive-buffer option would also fix the socket's kernel buffer, turning off the kernel's own
   * tuning.)
   */
  public static void allowLarge(HttpConnection connection) {
    if (connection instanceof VertxConnection netty) {
      netty.channel().config().setRecvByteBufAllocator(
          new AdaptiveRecvByteBufAllocator(MIN_READ, FIRST_READ, MAX_READ));
    }
  }

  /**
   * Stops reading {@code connection}'s socket after the read under way, until {@link #restart}.
   *
   * <p>Why: a paused Vert.x request goes on taking what the socket brings into its own queue (up to
   * 16 pieces, and more waiting in the connection) before Vert.x stops reading, each piece a heap
   * copy of up to {@link #MAX_READ}. With a few dozen fast uploads waiting for their disks that
   * was most of a small heap: 32 uploads at once ran a service with {@code -Xmx64m} out of
   * memory. Stopped here, a paused upload holds at most what its last read brought.
   */
  public static void stop(HttpConnection connection) {
    autoRead(connection, false);
  }

  /**
   * Reads {@code connection}'s socket again, as Vert.x's own pause and resume decide: undoes
   * {@link #stop}.
   */
  public static void restart(HttpConnection connection) {
    autoRead(connection, true);
  }

  /** A closed connection's channel has left its event loop: there is nothing to read or stop. */
  private static void autoRead(HttpConnection connection, boolean on) {
    if (connection instanceof VertxConnection netty) {
      Channel channel = netty.channel();
      if (channel.isOpen() && channel.isRegistered()) {
        channel.config().setAutoRead(on);
      }
    }
  }
}
