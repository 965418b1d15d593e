package io.filejobs.http;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.VertxConnection;

/**
 * How much one read of a connection's socket may bring: up to {@link #MAX_READ} once the
 * connection keeps filling what it is given, instead of Netty's 64 KiB.
 *
 * <p>Why: on an upload at loopback speeds, the kernel's receive path was most of the event loop's
 * time, and it is paid per read as much as per byte (each read's window update wakes the sender's
 * side of the stack, run on the reading thread). Reads four times larger cut the event loop's CPU
 * per uploaded GiB by about a third (BENCHMARKS.md, tuning log). Netty's adaptive sizing still
 * shrinks the reads of a slow connection, so a trickle holds no large buffer, and each buffer is
 * given back as soon as the HTTP decoder has handed its pieces on.
 *
 * <p>Vert.x has no option for this (its receive-buffer option also fixes the socket's kernel buffer,
 * which turns off the kernel's own tuning), so this reaches into Vert.x's connection ({@code
 * io.vertx.core.net.impl.VertxConnection}, public but not part of its API), as {@link
 * Failures#closeNow} does. Any other connection keeps Vert.x's default.
 */
final class SocketReads {

  /** Largest read: one piece of body as the HTTP decoder hands it on. */
  static final int MAX_READ = HttpVerticle.MAX_BODY_CHUNK;

  /** Netty's own smallest and first guesses. */
  private static final int MIN_READ = 64;

  private static final int FIRST_READ = 2048;

  private SocketReads() {}

  /** Lets reads of {@code connection} grow to {@link #MAX_READ}; called as it is accepted. */
  static void allowLarge(HttpConnection connection) {
    if (connection instanceof VertxConnection netty) {
      netty.channel().config().setRecvByteBufAllocator(
          new AdaptiveRecvByteBufAllocator(MIN_READ, FIRST_READ, MAX_READ));
    }
  }
}
