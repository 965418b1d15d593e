package io.filejobs.jobs;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * What a job tells about itself while it runs: its bytes, rate and status, the job events (started,
 * progress, paused, resumed, and how it ended), and whether it has gone idle. A part of {@link
 * Lifecycle}, on the job's context.
 */
final class Progress {

  /** The least time between two progress events of one job. */
  static final long PROGRESS_MS = 500;

  /** How often a moving job samples its rate and considers a progress event. */
  static final long TICK_MS = 250;

  private final Vertx vertx;
  private final String user;
  private final String kind;
  private final JobEvents events;
  private final long idleMs;
  private final BooleanSupplier active;
  private final LongConsumer idle;
  private final Instant startedAt = Instant.now();
  private final Rate rate = new Rate();

  /** The transfer once bytes move; null before. */
  Transfer transfer;

  /** The file's name once known. */
  String filename;

  /** The number of bytes the job will move, or null when unknown. */
  Long total;

  /** Bytes moved before this job began (a resumed upload's offset): counted in every figure. */
  long base;

  /** Whether an early end other than a terminate leaves the job's bytes for another connection. */
  boolean resumable;

  /** Fields the job adds to its status and events (a resumable upload's id). */
  JsonObject extra = new JsonObject();

  private boolean paused;
  private long ticker = -1;
  private long idleBytes = -1;
  private long idleSinceNanos;
  private long lastProgress = -1;
  private long lastProgressNanos = System.nanoTime();

  /**
   * @param active whether the job may still go idle or move (not finishing, not ended)
   * @param idle told, with the idle time, when no byte moved for it while not paused
   */
  Progress(
      Vertx vertx,
      String user,
      String kind,
      JobEvents events,
      long idleMs,
      BooleanSupplier active,
      LongConsumer idle) {
    this.vertx = vertx;
    this.user = user;
    this.kind = kind;
    this.events = events;
    this.idleMs = idleMs;
    this.active = active;
    this.idle = idle;
  }

  /** Starts the clock that notices idleness and samples the rate. */
  void watch() {
    idleSinceNanos = System.nanoTime();
    ticker = vertx.setPeriodic(TICK_MS, id -> tick());
  }

  void started(Transfer started) {
    transfer = started;
    rate.record(System.nanoTime(), base);
    publish("started");
  }

  void paused(boolean now) {
    paused = now;
    publish(now ? "paused" : "resumed");
  }

  /**
   * The job is over: stops the clock and, if bytes had begun, announces how it ended ({@code
   * failure} null: completed; {@link Failure#TERMINATED}: terminated; else failed, or interrupted
   * when the job is resumable).
   */
  void over(JobFailure failure) {
    over(failure, false);
  }

  /**
   * {@link #over(JobFailure)}, or, with {@code interrupted}, announces that the job's connection is
   * gone and its bytes wait for another ({@code failure} says why, or null when the request simply
   * ended before the file's end).
   */
  void over(JobFailure failure, boolean interrupted) {
    if (ticker >= 0) {
      vertx.cancelTimer(ticker);
      ticker = -1;
    }
    if (transfer == null) {
      return; // never started: nothing was announced
    }
    if (interrupted || (failure != null && resumable && failure.failure() != Failure.TERMINATED)) {
      JsonObject event = event();
      if (failure != null) {
        event.put("error", failure.code()).put("message", failure.getMessage());
      }
      events.publish("interrupted", user, event);
    } else if (failure == null) {
      publish("completed");
    } else if (failure.failure() == Failure.TERMINATED) {
      publish("terminated");
    } else {
      events.publish(
          "failed",
          user,
          event().put("error", failure.code()).put("message", failure.getMessage()));
    }
  }

  long bytes() {
    return base + (transfer == null ? 0 : transfer.bytes());
  }

  /** {@code {"user","kind","filename","bytes"}}. */
  JsonObject summary(long bytes) {
    return new JsonObject()
        .put(JobBus.USER, user)
        .put(JobBus.KIND, kind)
        .put(JobBus.FILENAME, filename)
        .put(JobBus.BYTES, bytes)
        .mergeIn(extra);
  }

  JsonObject status() {
    long bytes = bytes();
    return summary(bytes)
        .put(JobBus.STATE, paused ? JobBus.PAUSED : JobBus.RUNNING)
        .put(JobBus.TOTAL, total)
        .put(JobBus.STARTED_AT, startedAt.toString())
        .put(JobBus.BYTES_PER_SECOND, paused ? 0 : rate.perSecond(System.nanoTime(), bytes));
  }

  private void tick() {
    if (!active.getAsBoolean()) {
      return;
    }
    long bytes = bytes();
    long now = System.nanoTime();
    if (paused || bytes != idleBytes) {
      idleBytes = bytes;
      idleSinceNanos = now;
    } else if (now - idleSinceNanos >= idleMs * 1_000_000) {
      idle.accept(idleMs);
      return;
    }
    if (transfer == null) {
      return;
    }
    rate.record(now, bytes);
    if (bytes != lastProgress && !paused && now - lastProgressNanos >= PROGRESS_MS * 1_000_000) {
      lastProgress = bytes;
      lastProgressNanos = now;
      publish("progress");
    }
  }

  private JsonObject event() {
    return summary(bytes()).put(JobBus.TOTAL, total);
  }

  private void publish(String name) {
    events.publish(name, user, event());
  }
}
