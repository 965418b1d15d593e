package io.filejobs.transport;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;

/**
 * The body of an HTTP/1 request whose back-pressure acts on the socket itself: {@link #pause()}
 * stops reading the connection's socket at once (the kernel's receive buffer, and then the client,
 * hold the rest), and {@link #resume()} reads it again. Whatever the socket had already brought
 * when the pause came (at most the rest of one read, {@link SocketReads#MAX_READ}) is held here
 * (counted in the {@link BufferBudget}) and handed on first.
 *
 * <p>Why not the request's own {@code pause()}: a paused Vert.x request goes on taking what the
 * socket brings into its queue (16 pieces of up to 256 KiB, on the heap), then into its
 * connection's (8 more messages, each holding a socket read in direct memory) before it stops
 * reading; and its connection remembers that it stopped reading, so that anyone else who turns
 * reads back on (a writer waiting for its disk did) lets the connection's queue grow without end.
 * Here the request is never paused: the connection never stops reads itself, and this stream is the
 * one owner of the socket's reads while the body comes. Once the body has ended, reads are Vert.x's
 * again (the next request on the connection is its business).
 *
 * <p>A client that leaves while its body is paused is still noticed: with Netty's epoll transport a
 * reset or a close wakes the connection even while it is not read (Netty then reads what the socket
 * still held, up to its end). If that is more than {@code maxHeldBytes}, the stream fails with
 * {@link HeldTooMuch} rather than hold it: the client has gone, or sent past a pause that no
 * well-behaved client can see.
 *
 * <p>Everything runs on the request's event loop. Nothing is read before {@link #handler} is set.
 */
public final class SocketBody implements ReadStream<Buffer> {

  private final HttpServerRequest request;
  private final long maxHeldBytes;
  private final ArrayDeque<Buffer> held = new ArrayDeque<>();
  private long heldBytes;
  private boolean paused;
  private boolean ended;
  private boolean endDelivered;
  private boolean discarded;
  private boolean failed;

  /** True while this stream stopped the socket's reads, so that it must turn them on again. */
  private boolean readsStopped;

  /** Set once the request was resumed: it is never paused again. */
  private boolean requestFlowing;

  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  private SocketBody(HttpServerRequest request, long maxHeldBytes) {
    this.request = request;
    this.maxHeldBytes = maxHeldBytes;
  }

  /**
   * The body of {@code request} (not yet read: its handlers are set by {@link #handler}).
   *
   * @param maxHeldBytes the most this stream holds while paused before it fails; at least one
   *     socket read
   */
  public static SocketBody of(HttpServerRequest request, long maxHeldBytes) {
    return new SocketBody(request, Math.max(maxHeldBytes, 2L * SocketReads.MAX_READ));
  }

  /** Bytes held now: read from the socket, not yet handed on. */
  public long heldBytes() {
    return heldBytes;
  }

  @Override
  public SocketBody handler(Handler<Buffer> handler) {
    this.handler = handler;
    if (handler != null) {
      request.handler(this::arrived);
      request.endHandler(v -> requestEnded());
      if (!paused) {
        letRequestFlow();
      }
    }
    return this;
  }

  /**
   * Resumes the request once, for good. A request handed over paused may have had its connection
   * stop reading (Vert.x does when its queues fill), and resuming it turns reads on again: if a
   * piece handed on meanwhile paused this stream, reads are stopped once more, here.
   */
  private void letRequestFlow() {
    if (!requestFlowing) {
      requestFlowing = true;
      request.resume();
      if (paused && !ended && !discarded) {
        readsStopped = false;
        stopReads();
      }
    }
  }

  @Override
  public SocketBody endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public SocketBody exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  /**
   * Stops reading the socket once more if nobody has taken this body yet: for a request that Vert.x
   * handed on while turning reads back on itself (a pipelined request, once the answer before it is
   * done, which Vert.x follows by resuming its connection). Call it in a task after the one that
   * made this body.
   */
  public void holdAgain() {
    if (handler == null && paused && !ended && !discarded) {
      readsStopped = false;
      stopReads();
    }
  }

  /** Stops reading the socket; what it already brought is held until {@link #resume()}. */
  @Override
  public SocketBody pause() {
    paused = true;
    if (!ended && !discarded) {
      stopReads();
    }
    return this;
  }

  @Override
  public SocketBody resume() {
    return fetch(Long.MAX_VALUE);
  }

  /** Any positive demand resumes the whole flow: this stream counts in bytes, not pieces. */
  @Override
  public SocketBody fetch(long amount) {
    if (amount <= 0 || discarded) {
      return this;
    }
    paused = false;
    while (!paused && !held.isEmpty() && !discarded) {
      Buffer next = held.poll();
      heldBytes -= next.length();
      BufferBudget.unhold(next.length());
      deliver(next);
    }
    if (paused || discarded) {
      return this;
    }
    if (ended) {
      deliverEnd();
    } else {
      restartReads();
      letRequestFlow();
    }
    return this;
  }

  /**
   * Stops delivering anything and drops what is held. With {@code keepStopped}, the socket stays
   * unread (the connection is about to be closed); otherwise it is read again, and the rest of the
   * body is dropped as it comes (the HTTP layer may read it away while it answers).
   */
  public void discard(boolean keepStopped) {
    discarded = true;
    dropHeld();
    if (keepStopped) {
      stopReads();
    } else {
      restartReads();
    }
  }

  private void arrived(Buffer buffer) {
    if (discarded || failed) {
      return;
    }
    if (paused || !held.isEmpty()) {
      if (heldBytes + buffer.length() > maxHeldBytes) {
        overflow();
        return;
      }
      heldBytes += buffer.length();
      BufferBudget.hold(buffer.length());
      held.add(buffer);
      if (paused) {
        // Vert.x turns reads back on once, when the queues it filled before this stream took the
        // request have drained: stop them again (a no-op while they are off).
        readsStopped = false;
        stopReads();
      }
      return;
    }
    deliver(buffer);
  }

  private void dropHeld() {
    held.clear();
    BufferBudget.unhold(heldBytes);
    heldBytes = 0;
  }

  private void overflow() {
    failed = true;
    dropHeld();
    stopReads();
    if (exceptionHandler != null) {
      exceptionHandler.handle(new HeldTooMuch(maxHeldBytes));
    }
  }

  private void deliver(Buffer buffer) {
    if (handler != null) {
      handler.handle(buffer);
    }
  }

  private void requestEnded() {
    ended = true;
    // The body is whole: reads belong to the connection again (a next request is Vert.x's).
    restartReads();
    if (!paused && held.isEmpty() && !discarded && !failed) {
      deliverEnd();
    }
  }

  private void deliverEnd() {
    if (!endDelivered) {
      endDelivered = true;
      if (endHandler != null) {
        endHandler.handle(null);
      }
    }
  }

  private void stopReads() {
    if (!readsStopped) {
      readsStopped = SocketReads.stopAlways(request.connection());
    }
  }

  private void restartReads() {
    if (readsStopped) {
      readsStopped = false;
      SocketReads.restart(request.connection());
    }
  }

  /** More came from the socket while paused than one read can bring. */
  public static final class HeldTooMuch extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HeldTooMuch(long max) {
      super("the client sent more than " + max + " bytes past a pause", null, false, false);
    }
  }
}
