package io.filejobs.export;

import io.filejobs.transport.BufferBudget;
import io.filejobs.transport.Buffers;
import io.netty.buffer.ByteBuf;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.streams.ReadStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The first {@code length} bytes of a file as a stream of buffers in pooled direct memory, read on
 * the worker pool one at a time, as fast as the stream's consumer asks.
 *
 * <p>Why not {@link io.vertx.core.file.AsyncFile}: it reads into a heap buffer (through a temporary
 * direct one inside the JDK) and copies that into a fresh Vert.x buffer, which the socket then
 * copies into direct memory again: three copies of every byte on their way out. Here the kernel
 * reads straight into the memory the socket writes from. (BENCHMARKS.md's tuning log has what that
 * did.)
 *
 * <p><b>Each buffer handed out must be given back</b> with {@link #release} once its consumer is
 * done with it (a response: once the write has completed or failed). Everything runs on the context
 * that opened the source.
 */
final class FileSource implements ReadStream<Buffer> {

  private final Context context;
  private final FileChannel channel;
  private final long length;

  /** Where the stream ends: {@link #length}, or less where the file turned out shorter. */
  private long readable;

  private final int chunk;

  /** A buffer read while the stream was paused: the next to go. */
  private Buffer pending;

  private long position;
  private long demand = Long.MAX_VALUE;
  private boolean reading;

  /**
   * Set while a read is being started. A read that is done before its listener is attached would
   * run that listener at once, inside the call that asked for it (a {@code handler} that a {@code
   * pause} follows in the same task, say); it is put in a task of its own instead.
   */
  private boolean starting;

  /** Completes once the read under way, if any, has returned and given back what it must. */
  private Promise<Void> readReturned;

  private boolean ended;
  private boolean closed;

  /** Set while a read waits for room in the {@link BufferBudget}. */
  private boolean waitingForMemory;

  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  /** How long a read that found no room in the budget waits before it tries again. */
  static final long MEMORY_WAIT_MS = 10;

  private FileSource(Context context, FileChannel channel, long length, int chunk) {
    this.context = context;
    this.channel = channel;
    this.length = length;
    this.readable = length;
    this.chunk = chunk;
  }

  /**
   * Opens {@code path} for reading (on a worker) and takes its size then as the stream's length.
   * Call on the context the stream is to run on.
   */
  static Future<FileSource> open(Vertx vertx, Path path, int chunk) {
    Context context = vertx.getOrCreateContext();
    return context.executeBlocking(
        () -> {
          FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
          try {
            return new FileSource(context, channel, channel.size(), chunk);
          } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
          }
        },
        false);
  }

  /** The file's size when it was opened: what the stream delivers unless the file shrinks. */
  long length() {
    return length;
  }

  /** Gives back a buffer this stream handed out. */
  static void release(Buffer buffer) {
    BufferBudget.free(Buffers.unwrap(buffer));
  }

  @Override
  public FileSource handler(Handler<Buffer> handler) {
    this.handler = handler;
    readNext();
    return this;
  }

  @Override
  public FileSource endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    return this;
  }

  @Override
  public FileSource exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public FileSource pause() {
    demand = 0;
    return this;
  }

  @Override
  public FileSource resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public FileSource fetch(long amount) {
    demand = amount == Long.MAX_VALUE || demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
    if (handler != null && !closed) {
      deliver();
    }
    return this;
  }

  /**
   * Closes the file (on a worker); never fails. No buffer is handed out after this: one held for a
   * resume is given back now, and a read still under way is cut short by the close and gives its
   * buffer back when it returns. The future completes once both are done, so every buffer this
   * source allocated and did not hand out is back in the budget by then.
   */
  Future<Void> close() {
    closed = true;
    if (pending != null) {
      release(pending);
      pending = null;
    }
    Future<Void> channelClosed =
        context.executeBlocking(
            () -> {
              channel.close();
              return null;
            },
            false);
    Future<Void> lastRead = reading ? readReturned.future() : Future.succeededFuture();
    return Future.join(channelClosed, lastRead).<Void>mapEmpty().otherwiseEmpty();
  }

  private void readNext() {
    if (reading
        || waitingForMemory
        || ended
        || closed
        || pending != null
        || demand == 0
        || handler == null) {
      return;
    }
    if (position == readable) {
      end();
      return;
    }
    int size = (int) Math.min(chunk, readable - position);
    ByteBuf buffer = BufferBudget.tryAllocate(size, size);
    if (buffer == null) {
      // The node's budget is spent (transfers admitted before it was hold it): wait for room
      // rather than read into memory nobody counts.
      waitingForMemory = true;
      context
          .owner()
          .setTimer(
              MEMORY_WAIT_MS,
              id -> {
                waitingForMemory = false;
                readNext();
              });
      return;
    }
    reading = true;
    readReturned = Promise.promise();
    long at = position;
    starting = true;
    try {
      context
          .<Integer>executeBlocking(() -> readFully(buffer, at, size), false)
          .onComplete(
              read -> {
                if (starting) { // done before its listener was attached, which then runs it at once
                  context.runOnContext(v -> arrived(buffer, size, read));
                } else {
                  arrived(buffer, size, read);
                }
              });
    } finally {
      starting = false;
    }
  }

  /**
   * Reads {@code size} bytes at {@code at} into {@code buffer}; fewer only where the file ends
   * first (it was truncated since it was opened).
   */
  private int readFully(ByteBuf buffer, long at, int size) throws IOException {
    int total = 0;
    ByteBuffer target = buffer.nioBuffer(0, size);
    while (target.hasRemaining()) {
      int n = channel.read(target, at + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    buffer.writerIndex(total);
    return total;
  }

  private void arrived(ByteBuf buffer, int size, AsyncResult<Integer> read) {
    reading = false;
    // take may start the next read, with a promise of its own
    Promise<Void> returned = readReturned;
    try {
      take(buffer, size, read);
    } finally {
      returned.complete();
    }
  }

  private void take(ByteBuf buffer, int size, AsyncResult<Integer> read) {
    if (closed || handler == null) { // closed, or its consumer stopped taking bytes
      BufferBudget.free(buffer);
      return;
    }
    if (read.failed()) {
      BufferBudget.free(buffer);
      ended = true;
      if (exceptionHandler != null) {
        exceptionHandler.handle(new FileSystemException(read.cause()));
      }
      return;
    }
    int n = read.result();
    if (n == 0) { // the file ends before its length: it was truncated
      BufferBudget.free(buffer);
      readable = position;
      readNext(); // ends the stream, once there is demand
      return;
    }
    position += n;
    if (n < size) {
      readable = position; // a short read: the file was truncated, nothing more to read
    }
    pending = Buffers.wrap(buffer);
    deliver();
  }

  /** Hands on the buffer read last, if any, once there is demand; then reads on. */
  private void deliver() {
    if (pending != null) {
      if (demand == 0) {
        return; // paused while it was read: it waits for a resume
      }
      Buffer next = pending;
      pending = null;
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      handler.handle(next);
    }
    readNext();
  }

  private void end() {
    if (!ended) {
      ended = true;
      if (endHandler != null) {
        endHandler.handle(null);
      }
    }
  }
}
