package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/**
 * Moves bytes from a read stream to a write stream with back-pressure, counting them: the successor
 * of Vert.x 3's {@code Pump}, and what {@code ReadStream.pipe()} would do, plus what a job needs
 * that a {@code Pipe} cannot give: a live byte count, a size limit checked on every buffer, and a
 * {@link #stop()} that sticks (a {@code Pipe} resumes its source on every drain of its destination,
 * whoever paused it).
 *
 * <p>All methods run on the context both streams belong to. The sink is not ended: the job decides
 * how a finished transfer ends (close a file, end a response).
 */
public final class Transfer {

  private final ReadStream<Buffer> source;
  private final WriteStream<Buffer> sink;
  private final long limit;
  private final Promise<Long> done = Promise.promise();
  private volatile long bytes;
  private boolean stopped;
  private boolean sourceEnded;
  private boolean waitingForSink;
  private boolean paused;
  private long pendingWrites;
  private Handler<Buffer> written = buffer -> {};

  /**
   * @param limit most bytes the source may deliver; one more fails the transfer with a {@link
   *     LimitExceeded}
   */
  public Transfer(ReadStream<Buffer> source, WriteStream<Buffer> sink, long limit) {
    this.source = source;
    this.sink = sink;
    this.limit = limit;
  }

  /**
   * Hands each buffer to {@code handler} once the sink is done with it: its write completed or
   * failed, or it was dropped because the transfer had stopped. For sources whose buffers must be
   * given back.
   */
  public Transfer whenWritten(Handler<Buffer> handler) {
    this.written = handler;
    return this;
  }

  /**
   * Starts moving bytes.
   *
   * @return completes with the byte count once the source ended and the sink accepted every write;
   *     fails with the first error of either stream
   */
  public Future<Long> start() {
    sink.exceptionHandler(this::fail);
    source.exceptionHandler(this::fail);
    source.endHandler(
        v -> {
          sourceEnded = true;
          completeIfDone();
        });
    source.handler(this::onData);
    if (!paused) {
      source.resume();
    }
    return done.future();
  }

  /** Bytes handed to the sink so far; readable from any thread. */
  public long bytes() {
    return bytes;
  }

  /**
   * Stops the flow by back-pressure: the source is paused and stays paused (a drain of the sink
   * does not resume it) until {@link #resume()}.
   */
  public void pause() {
    paused = true;
    if (!stopped) {
      source.pause();
    }
  }

  /** Lets a paused transfer flow again, unless the sink is still full (its drain resumes it). */
  public void resume() {
    paused = false;
    if (!stopped && !waitingForSink) {
      source.resume();
    }
  }

  /** True once the source has delivered its last byte (the sink may still be writing). */
  public boolean sourceEnded() {
    return sourceEnded;
  }

  /** Stops at once: the source is paused and no more bytes reach the sink. */
  public void stop() {
    if (!stopped) {
      stopped = true;
      source.pause();
      source.handler(null);
      source.endHandler(null);
      sink.drainHandler(null);
      done.tryFail(new IllegalStateException("stopped"));
    }
  }

  private void onData(Buffer buffer) {
    if (stopped) {
      written.handle(buffer);
      return;
    }
    long total = bytes + buffer.length();
    if (total > limit) {
      written.handle(buffer);
      fail(new LimitExceeded(limit));
      return;
    }
    bytes = total;
    pendingWrites++;
    sink.write(buffer)
        .onComplete(
            ar -> {
              written.handle(buffer);
              pendingWrites--;
              if (ar.failed()) {
                fail(ar.cause());
              } else {
                completeIfDone();
              }
            });
    if (stopped) {
      return; // the write completed at once, and with it the transfer: the sink may be ended
    }
    if (sink.writeQueueFull()) {
      source.pause();
      waitingForSink = true;
      sink.drainHandler(
          v -> {
            waitingForSink = false;
            if (!stopped && !paused) {
              source.resume();
            }
          });
    }
  }

  private void completeIfDone() {
    if (sourceEnded && pendingWrites == 0 && !stopped) {
      stopped = true;
      sink.drainHandler(null); // the sink may outlive the transfer (a kept-alive connection)
      done.tryComplete(bytes);
    }
  }

  private void fail(Throwable cause) {
    done.tryFail(cause);
    stop();
  }

  /** The source delivered more than the limit. */
  public static final class LimitExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LimitExceeded(long limit) {
      super("more than " + limit + " bytes", null, false, false);
    }
  }
}
