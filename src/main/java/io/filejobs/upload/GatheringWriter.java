package io.filejobs.upload;

import io.filejobs.transport.BufferBudget;
import io.filejobs.transport.Buffers;
import io.filejobs.transport.SocketReads;
import io.netty.buffer.ByteBuf;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes to an {@link AsyncFile} one write at a time, gathering what arrives meanwhile into the
 * next write: a fast upload reaches the disk in writes of up to {@link #setWriteQueueMaxSize} bytes
 * instead of one per piece the HTTP decoder hands on (up to 256 KiB, what one socket read brings),
 * while a slow one is written as it comes.
 *
 * <p>Why: every {@code AsyncFile} write is a task on the worker pool and a hop back to the event
 * loop; at loopback speeds those hops, not the bytes, were most of an upload's cost
 * (BENCHMARKS.md). Gathering costs one copy of each byte in memory, far cheaper than a hop.
 *
 * <p>The gathering memory comes from the spare part of the node's {@link BufferBudget}. When that
 * has no room (many fast uploads at once), what arrives meanwhile is kept as it came, not copied,
 * and written piece by piece, and the queue counts as full while anything waits: the upload slows
 * down to its disk's pace instead of holding heap (a heap copy per upload had run a service with
 * {@code -Xmx64m} out of memory with 32 uploads at once). Pieces kept as they came are counted in
 * the budget too, until written.
 *
 * <p>Each write's future completes when the write that carried its bytes does. Everything runs on
 * the file's context. Closing the file is the owner's: close it once every write has completed.
 */
final class GatheringWriter implements WriteStream<Buffer> {

  private final AsyncFile file;
  private int maxBytes;

  /** From {@link BufferBudget}: no zeroing, no copy by the JDK on its way to the file. */
  private ByteBuf gathered;

  private List<Promise<Void>> waiting = new ArrayList<>();

  /**
   * Pieces kept as they came, when there was no memory to gather them into: written one by one, in
   * order. Never at the same time as {@code gathered}: a piece is kept loose only while nothing is
   * gathered, and nothing is gathered while loose pieces wait.
   */
  private final ArrayDeque<Buffer> loose = new ArrayDeque<>();

  private final ArrayDeque<Promise<Void>> loosePromises = new ArrayDeque<>();
  private int looseBytes;
  private int inFlightBytes;
  private boolean writing;
  private boolean full;
  private Handler<Void> drainHandler;
  private Handler<Throwable> exceptionHandler;
  private Future<Void> last = Future.succeededFuture();

  GatheringWriter(AsyncFile file, int maxBytes) {
    this.file = file;
    this.maxBytes = maxBytes;
  }

  @Override
  public Future<Void> write(Buffer data) {
    Promise<Void> promise = Promise.promise();
    if (!writing) {
      BufferBudget.hold(data.length());
      send(data, List.of(promise), null);
    } else {
      if (gathered == null && loose.isEmpty()) {
        gathered = allocate(data.length());
      }
      if (gathered != null) {
        gathered.writeBytes(Buffers.byteBuf(data));
        waiting.add(promise);
      } else {
        BufferBudget.hold(data.length());
        loose.add(data);
        loosePromises.add(promise);
        looseBytes += data.length();
      }
    }
    if (writeQueueFull()) {
      full = true;
    }
    last = promise.future();
    return last;
  }

  /**
   * A buffer to gather into, sized for a few more pieces like the first (it grows if need be, up to
   * the queue's limit and one more piece of the largest size, a socket read): a trickle never holds
   * a large one. Null when the budget has no room.
   */
  private ByteBuf allocate(int firstPiece) {
    int initial = (int) Math.min(maxBytes, 4L * firstPiece);
    return BufferBudget.tryAllocateSpare(initial, maxBytes + SocketReads.MAX_READ);
  }

  /**
   * Writes {@code data}; {@code gathered}, its memory when it was gathered (null for a piece
   * written as it came, counted by {@link BufferBudget#hold}), is given back once written.
   */
  private void send(Buffer data, List<Promise<Void>> promises, ByteBuf gathered) {
    writing = true;
    int length = data.length();
    inFlightBytes = length;
    file.write(data)
        .onComplete(
            result -> {
              if (gathered != null) {
                BufferBudget.free(gathered);
              } else {
                BufferBudget.unhold(length);
              }
              written(result, promises);
            });
  }

  private void written(AsyncResult<Void> result, List<Promise<Void>> promises) {
    writing = false;
    inFlightBytes = 0;
    if (result.failed()) {
      if (exceptionHandler != null) {
        exceptionHandler.handle(result.cause());
      }
      promises.forEach(p -> p.tryFail(result.cause()));
      discard();
      return;
    }
    if (gathered != null) {
      ByteBuf next = gathered;
      List<Promise<Void>> nextPromises = waiting;
      gathered = null;
      waiting = new ArrayList<>();
      send(Buffers.wrap(next), nextPromises, next);
    } else if (!loose.isEmpty()) {
      Buffer next = loose.poll();
      looseBytes -= next.length();
      send(next, List.of(loosePromises.poll()), null);
    }
    promises.forEach(Promise::tryComplete);
    if (full && loose.isEmpty() && inFlightBytes + pendingBytes() <= maxBytes / 2) {
      full = false;
      if (drainHandler != null) {
        drainHandler.handle(null);
      }
    }
  }

  private int pendingBytes() {
    return (gathered == null ? 0 : gathered.readableBytes()) + looseBytes;
  }

  /**
   * Gives back what was gathered and not yet written (the job ended: its temp file is going away).
   * Writes already under way complete, or fail, as they will.
   */
  void discard() {
    IllegalStateException discarded = new IllegalStateException("discarded");
    if (gathered != null) {
      BufferBudget.free(gathered);
      gathered = null;
      waiting.forEach(p -> p.tryFail(discarded));
      waiting = new ArrayList<>();
    }
    loose.clear();
    BufferBudget.unhold(looseBytes);
    looseBytes = 0;
    loosePromises.forEach(p -> p.tryFail(discarded));
    loosePromises.clear();
  }

  /** Ends the file once every write has completed (or fails with the first failed write). */
  @Override
  public Future<Void> end() {
    return last.compose(v -> file.end());
  }

  @Override
  public GatheringWriter exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  /** Bytes in flight and gathered beyond which {@link #writeQueueFull()} says so. */
  @Override
  public GatheringWriter setWriteQueueMaxSize(int maxSize) {
    this.maxBytes = maxSize;
    return this;
  }

  /** Full at the byte limit, or as soon as a piece waits with no memory to gather it into. */
  @Override
  public boolean writeQueueFull() {
    return !loose.isEmpty() || inFlightBytes + pendingBytes() >= maxBytes;
  }

  @Override
  public GatheringWriter drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }
}
