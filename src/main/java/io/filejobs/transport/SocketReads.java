package io.filejobs.transport;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.VertxConnection;

/**
 * How a connection's socket is read: how much one read may bring, and whether it is read at all
 * (for {@link SocketBody}, while a body is paused).
 *
 * <p>Both reach into Vert.x's connection ({@code io.vertx.core.net.impl.VertxConnection}, public
 * but not part of its API), as {@link Connections#closeNow} does; Vert.x has no option for either.
 * Any other connection (or none) keeps Vert.x's own behaviour. Everything runs on the connection's
 * event loop.
 *
 * <p>On a Vert.x upgrade, check that HTTP/1 server connections are still {@code VertxConnection}s
 * (otherwise reads stay at Netty's 64 KiB and a paused upload's socket is read on: {@code
 * BoundedMemoryTest} would show the second), that Vert.x sets no read allocator of its own after
 * {@link #allowLarge} (the benchmark's upload figures would fall back), and that its private field
 * {@code autoRead} is still there ({@code VertxReads} logs it once if not).
 */
public final class SocketReads {

  /**
   * Largest read: 256 KiB, one piece of body as the HTTP decoder hands it on ({@code
   * HttpVerticle.MAX_BODY_CHUNK}).
   */
  public static final int MAX_READ = 256 * 1024;

  /** Netty's own smallest and first guesses. */
  private static final int MIN_READ = 64;

  private static final int FIRST_READ = 2048;

  /**
   * Reads per pass of the event loop over a ready socket: one, then the loop's other connections
   * and tasks (a terminate, say) get their turn before this socket is read again. Netty's channels
   * default to 16; an allocator set on a live channel gets 1 unless told, and one is what was
   * measured (BENCHMARKS.md: the read-size row measured both together).
   */
  private static final int READS_PER_PASS = 1;

  private SocketReads() {}

  /**
   * Lets reads of {@code connection} grow to {@link #MAX_READ} (Netty stops at 64 KiB); called as
   * it is accepted.
   *
   * <p>Why: on an upload at loopback speeds, the kernel's receive path was most of the event loop's
   * time, and it is paid per read as much as per byte (each read's window update wakes the sender's
   * side of the stack, run on the reading thread). Reads four times larger cut the event loop's CPU
   * per uploaded GiB by about a quarter (BENCHMARKS.md, tuning log). Netty's adaptive sizing still
   * shrinks the reads of a slow connection, so a trickle holds no large buffer, and each buffer is
   * given back as soon as the HTTP decoder has handed its pieces on. (Vert.x's receive-buffer
   * option would also fix the socket's kernel buffer, turning off the kernel's own tuning.)
   */
  public static void allowLarge(HttpConnection connection) {
    if (connection instanceof VertxConnection netty) {
      netty
          .channel()
          .config()
          .setRecvByteBufAllocator(
              new AdaptiveRecvByteBufAllocator(MIN_READ, FIRST_READ, MAX_READ)
                  .maxMessagesPerRead(READS_PER_PASS));
    }
  }

  /**
   * Stops reading {@code connection}'s socket after the read under way (what that read brought is
   * still handed on), whoever had it reading. For the one owner of a connection's reads while a
   * body comes ({@link SocketBody}): Vert.x turns reads off and on itself only around requests it
   * paused, and a body read through {@link SocketBody} never pauses its request.
   *
   * @return true when the connection is open (then undo it with {@link #restart}); false when it is
   *     closed: there is nothing to read or stop
   */
  static boolean stopAlways(HttpConnection connection) {
    Channel channel = liveChannel(connection);
    if (channel != null) {
      channel.config().setAutoRead(false);
      return true;
    }
    return false;
  }

  /**
   * Reads {@code connection}'s socket again after a {@link #stopAlways} that returned true, unless
   * Vert.x has stopped reading it meanwhile for a reason of its own (its connection queued 8
   * messages it could not hand on: a pipelined request behind this one, say). Then the socket is
   * left unread, and Vert.x reads it again once its queue has drained, as it always does; turning
   * reads on under it would let that queue grow with every read.
   */
  static void restart(HttpConnection connection) {
    Channel channel = liveChannel(connection);
    if (channel != null && VertxReads.wanted((VertxConnection) connection)) {
      channel.config().setAutoRead(true);
    }
  }

  /**
   * Vert.x's own record of whether it wants its connection's socket read: the private field {@code
   * autoRead} of {@code io.vertx.core.net.impl.VertxConnection} (Vert.x 5.1), which its {@code
   * checkAutoRead} sets false when it stops reads and true when it turns them on again, and which
   * it trusts over the channel's own setting. If a Vert.x upgrade renames it, the service logs it
   * once and behaves as before this check (reads are turned on).
   */
  private static final class VertxReads {
    private static final java.lang.invoke.VarHandle AUTO_READ = find();

    private static java.lang.invoke.VarHandle find() {
      try {
        return java.lang.invoke.MethodHandles.privateLookupIn(
                VertxConnection.class, java.lang.invoke.MethodHandles.lookup())
            .findVarHandle(VertxConnection.class, "autoRead", boolean.class);
      } catch (ReflectiveOperationException | RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(SocketReads.class)
            .warn(
                "cannot read Vert.x's own auto-read state ({}): check transport.SocketReads"
                    + " against this Vert.x version",
                e.toString());
        return null;
      }
    }

    static boolean wanted(VertxConnection connection) {
      return AUTO_READ == null || (boolean) AUTO_READ.get(connection);
    }
  }

  /**
   * The Netty channel of {@code connection} while it is open on its event loop; else null (a closed
   * connection's channel has left its loop: there is nothing to read or stop, and Netty's NIO
   * transport asserts on a try).
   */
  private static Channel liveChannel(HttpConnection connection) {
    if (connection instanceof VertxConnection netty) {
      Channel channel = netty.channel();
      if (channel.isOpen() && channel.isRegistered()) {
        return channel;
      }
    }
    return null;
  }
}
