package io.filejobs.jobs;

import io.filejobs.transport.BufferBudget;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every job has and does alike: its user and kind, the {@link Handoff} whose context it runs
 * on, its slot in the {@link JobRegistry}, its phase, and the controls other verticles reach
 * through {@link Job}: terminate, pause, resume and status, plus the job events.
 *
 * <p>Subclasses run entirely on {@code handoff.context()}; the public controls hop there.
 */
public abstract class JobBase implements Job {

  private static final Logger log = LoggerFactory.getLogger(JobBase.class);

  /** The least time between two progress events of one job. */
  static final long PROGRESS_MS = 500;

  /** How often a moving job samples its rate and considers a progress event. */
  static final long TICK_MS = 250;

  /** Where a job is in its life. */
  protected enum Phase {
    /** Claimed, opening its file; no byte moved yet. */
    STARTING,
    /** Bytes move (or are paused). */
    MOVING,
    /** Every byte moved; the job is storing or ending its answer and can no longer stop. */
    FINISHING,
    /** Over: stored, sent, terminated or failed. */
    ENDED
  }

  protected final Vertx vertx;
  protected final String user;
  protected final String kind;
  protected final Handoff handoff;
  protected final JobRegistry registry;
  private final JobEvents events;
  private final long maxPauseMs;
  private final long idleMs;
  private final Instant startedAt = Instant.now();
  private final Rate rate = new Rate();

  protected Phase phase = Phase.STARTING;
  /** Why the job ended, once it has ended with a failure. */
  protected JobFailure endedBy;
  /** The transfer once bytes move; null before. */
  protected Transfer transfer;
  /** The file's name once known (an upload learns it from its part's header). */
  protected String filename;
  /** The number of bytes the job will move, or null when unknown. */
  protected Long total;

  private JobRegistry.Claim claim;
  private boolean paused;
  private long pauseTimer = -1;
  private long ticker = -1;
  private long idleBytes = -1;
  private long idleSinceNanos;
  private long lastProgress = -1;
  private long lastProgressNanos = System.nanoTime();

  protected JobBase(
      Vertx vertx,
      String kind,
      String user,
      Handoff handoff,
      JobRegistry registry,
      JobEvents events,
      JobLimits limits) {
    this.vertx = vertx;
    this.kind = kind;
    this.user = user;
    this.handoff = handoff;
    this.registry = registry;
    this.events = events;
    this.maxPauseMs = limits.maxPauseSeconds() * 1000;
    this.idleMs = limits.idleSeconds() * 1000;
  }

  @Override
  public final String user() {
    return user;
  }

  /**
   * Takes the user's slot for this kind, cluster-wide, and lets the job's controls find it;
   * fails with 409 when another job holds it, and with 503 {@link JobFailure#BUSY} (before any
   * claim) when the node's {@link BufferBudget} has no room for another transfer.
   */
  protected final Future<Void> claim() {
    boolean admitted = BufferBudget.admits();
    if (!admitted) {
      log.info("refused a new {} by {}: transfer buffers hold {} KiB of {} KiB", kind, user,
          BufferBudget.inUse() >> 10, BufferBudget.budget() >> 10);
    }
    Future<JobRegistry.Claim> claiming =
        admitted
            ? registry.claim(this)
            : Future.failedFuture(
                new JobFailure(Failure.BUSY, "the server is moving as many transfers as its memory allows: try again in a"
                        + " few seconds"));
    return claiming
        .onFailure(
            e -> {
              if (e instanceof JobFailure refusal) {
                handoff.fail(refusal); // the HTTP side answers with it, code and all
              }
            })
        .compose(
            taken -> {
              claim = taken;
              if (phase == Phase.ENDED) { // the client left while the slot was being claimed
                release();
                return Future.failedFuture(endedBy);
              }
              return Future.succeededFuture();
            });
  }

  /**
   * {@link #claim Claims} the slot, then starts the job with {@code open}. Whatever goes wrong
   * once the slot is held and the job has not ended itself (an exception {@code open} throws, a
   * failure it leaves unhandled) ends the job through {@link #end} with a 500: a start never leaves
   * the slot claimed, which would refuse the user's every later job with 409.
   */
  protected final Future<JsonObject> claimThen(Supplier<Future<JsonObject>> open) {
    return claim()
        .compose(
            v -> {
              Future<JsonObject> opened;
              try {
                opened = open.get();
              } catch (RuntimeException e) {
                opened = Future.failedFuture(e);
              }
              return opened.recover(this::startFailed);
            });
  }

  private Future<JsonObject> startFailed(Throwable cause) {
    if (phase == Phase.ENDED) {
      return Future.failedFuture(cause); // the job ended itself, and freed its slot
    }
    log.error("{} by {} could not start", kind, user, cause);
    JobFailure failure =
        new JobFailure(Failure.INTERNAL_ERROR, "the " + kind + " could not start");
    return end(failure).transform(v -> Future.failedFuture(failure));
  }

  /** Frees the user's slot (if this job holds it). Idempotent; never fails. */
  protected final Future<Void> release() {
    return registry.release(claim);
  }

  /**
   * Frees the user's slot (if this job holds it) while {@code cleanup} is still going on; a stop
   * of the node waits for both. Idempotent; never fails.
   */
  protected final Future<Void> release(Future<?> cleanup) {
    return registry.release(claim, cleanup);
  }

  /**
   * Ends the job with {@code failure}: stops the bytes, releases what it holds, frees the slot
   * and fails the exchange. Idempotent. Implementations call {@link #over} once.
   */
  protected abstract Future<Void> end(JobFailure failure);

  // --- lifecycle hooks for subclasses ---

  /**
   * The job was accepted and waits for, or moves, bytes: from now on it ends itself when no byte
   * moves for the idle time while its owner has not paused it.
   */
  protected final void watch() {
    idleSinceNanos = System.nanoTime();
    ticker = vertx.setPeriodic(TICK_MS, id -> tick());
  }

  /** Bytes start to move through {@code started}: announces the job and starts its clock. */
  protected final void moving(Transfer started) {
    transfer = started;
    phase = Phase.MOVING;
    rate.record(System.nanoTime(), 0);
    publish("started");
  }

  /**
   * The job is over: stops its timers and, if it had started, publishes how it ended ({@code
   * failure} null means it completed; a {@link JobFailure#TERMINATED} one that it was terminated;
   * anything else that it failed).
   */
  protected final void over(JobFailure failure) {
    phase = Phase.ENDED;
    endedBy = failure;
    cancel(ticker);
    cancel(pauseTimer);
    if (transfer == null) {
      return; // never started: nothing was announced, nothing to close
    }
    if (failure == null) {
      publish("completed");
    } else if (failure.failure() == Failure.TERMINATED) {
      publish("terminated");
    } else {
      JsonObject event = event();
      event.put("error", failure.code()).put("message", failure.getMessage());
      events.publish("failed", user, event);
    }
  }

  private void cancel(long timer) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void tick() {
    if (phase == Phase.ENDED || phase == Phase.FINISHING) {
      return;
    }
    long bytes = bytes();
    long now = System.nanoTime();
    if (paused || bytes != idleBytes) {
      idleBytes = bytes;
      idleSinceNanos = now;
    } else if (now - idleSinceNanos >= idleMs * 1_000_000) {
      log.info("{} of {} by {}: no byte moved for {} s", kind, filename, user, idleMs / 1000);
      end(new JobFailure(Failure.TIMEOUT, "no byte moved for " + idleMs / 1000 + " s: the " + kind + " was ended"));
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

  // --- controls ---

  @Override
  public final Future<JsonObject> terminate() {
    return onContext(this::terminateHere);
  }

  @Override
  public final Future<JsonObject> pause() {
    return onContext(answer -> {
      if (!flowing(answer)) {
        return;
      }
      if (paused) {
        answer.fail(new JobFailure(Failure.CONFLICT, "the " + kind + " is already paused"));
        return;
      }
      paused = true;
      transfer.pause();
      pauseTimer = vertx.setTimer(maxPauseMs, id -> pausedTooLong());
      log.info("{} of {} by {} paused after {} bytes", kind, filename, user, bytes());
      publish("paused");
      answer.complete(statusHere());
    });
  }

  @Override
  public final Future<JsonObject> resume() {
    return onContext(answer -> {
      if (!flowing(answer)) {
        return;
      }
      if (!paused) {
        answer.fail(new JobFailure(Failure.CONFLICT, "the " + kind + " is not paused"));
        return;
      }
      paused = false;
      cancel(pauseTimer);
      transfer.resume();
      log.info("{} of {} by {} resumed at {} bytes", kind, filename, user, bytes());
      publish("resumed");
      answer.complete(statusHere());
    });
  }

  @Override
  public final Future<JsonObject> status() {
    return onContext(answer -> {
      if (phase == Phase.ENDED) {
        answerEnded(answer);
      } else {
        answer.complete(statusHere());
      }
    });
  }

  private void terminateHere(Promise<JsonObject> answer) {
    if (!controllable(answer)) {
      return;
    }
    long bytes = bytes();
    String what = filename == null ? "your " + kind : "the " + kind + " of " + filename;
    log.info("{} terminated after {} bytes", what, bytes);
    end(new JobFailure(Failure.TERMINATED, what + " was terminated after " + bytes + " bytes" + terminatedSuffix()))
        .onComplete(v -> answer.complete(summary(bytes)));
  }

  @Override
  public final Future<Void> stopNow() {
    return onContext(answer -> {
      if (phase == Phase.ENDED || phase == Phase.FINISHING) {
        answer.complete();
        return;
      }
      long bytes = bytes();
      String what = filename == null ? "your " + kind : "the " + kind + " of " + filename;
      log.info("{} by {} ended after {} bytes: the service is stopping", what, user, bytes);
      end(new JobFailure(Failure.STOPPING, "the service is stopping: " + what + " was ended after " + bytes + " bytes"
                  + terminatedSuffix() + "; try again in a moment"))
          .onComplete(v -> answer.complete());
    }).mapEmpty();
  }

  /** What a terminate message adds for this kind (an upload: that nothing was stored). */
  protected String terminatedSuffix() {
    return "";
  }

  private void pausedTooLong() {
    if (phase != Phase.ENDED && paused) {
      log.info("{} of {} by {} was paused for {} s: terminated", kind, filename, user, maxPauseMs / 1000);
      end(new JobFailure(Failure.TERMINATED, "the " + kind + " of " + filename + " was paused longer than " + maxPauseMs / 1000
              + " s and was terminated" + terminatedSuffix()));
    }
  }

  /**
   * True when the job's flow can be paused or resumed: its bytes move and its source has more to
   * give; otherwise fails {@code answer} (404 or 409).
   */
  private boolean flowing(Promise<JsonObject> answer) {
    if (!controllable(answer)) {
      return false;
    }
    if (transfer == null) {
      answer.fail(
          new JobFailure(Failure.CONFLICT, "the " + kind + " has not started yet: try again"));
      return false;
    }
    if (transfer.sourceEnded()) {
      answer.fail(
          new JobFailure(Failure.CONFLICT, "the " + kind + " of " + filename + " is complete"));
      return false;
    }
    return true;
  }

  /**
   * Fails {@code answer} with 404 once the job's slot is free: a client told that nothing runs may
   * start again at once and must not get 409 from the slot this job still frees.
   */
  private void answerEnded(Promise<?> answer) {
    registry.freed(this).onComplete(v -> answer.fail(nothingRunning()));
  }

  /** True when the job can still be controlled; otherwise fails {@code answer} (404 or 409). */
  private boolean controllable(Promise<JsonObject> answer) {
    if (phase == Phase.ENDED) {
      answerEnded(answer);
      return false;
    }
    if (phase == Phase.FINISHING) {
      answer.fail(
          new JobFailure(Failure.CONFLICT, "the " + kind + " of " + filename + " is complete"));
      return false;
    }
    return true;
  }

  /**
   * Runs {@code action} on the job's context: at once when called there, otherwise queued on it
   * (a control arrives on the context of the registry's consumer that took it). A queued task
   * waits behind the bytes its busy event loop is moving.
   */
  private <T> Future<T> onContext(Consumer<Promise<T>> action) {
    Promise<T> answer = Promise.promise();
    if (handoff.onContextThread()) {
      action.accept(answer);
    } else {
      handoff.context().runOnContext(v -> action.accept(answer));
    }
    return answer.future();
  }

  /** Closes {@code file} if there is one and it is open; never fails. */
  protected static Future<Void> closeQuietly(AsyncFile file) {
    if (file == null) {
      return Future.succeededFuture();
    }
    try {
      return file.close().recover(e -> Future.succeededFuture());
    } catch (IllegalStateException e) {
      return Future.succeededFuture(); // already closed
    }
  }

  // --- what the job tells ---

  /** Bytes moved so far. */
  protected final long bytes() {
    return transfer == null ? 0 : transfer.bytes();
  }

  /** A 404 saying the user runs no job of this kind. */
  protected final JobFailure nothingRunning() {
    return new JobFailure(Failure.NOT_FOUND, "you are not " + kind + "ing anything");
  }

  /** {@code {"user","kind","filename","bytes"}}. */
  protected final JsonObject summary(long bytes) {
    return new JsonObject()
        .put(JobBus.USER, user)
        .put(JobBus.KIND, kind)
        .put(JobBus.FILENAME, filename)
        .put(JobBus.BYTES, bytes);
  }

  private JsonObject statusHere() {
    long bytes = bytes();
    return summary(bytes)
        .put(JobBus.STATE, paused ? JobBus.PAUSED : JobBus.RUNNING)
        .put(JobBus.TOTAL, total)
        .put(JobBus.STARTED_AT, startedAt.toString())
        .put(JobBus.BYTES_PER_SECOND, paused ? 0 : rate.perSecond(System.nanoTime(), bytes));
  }

  private JsonObject event() {
    return summary(bytes()).put(JobBus.TOTAL, total);
  }

  private void publish(String name) {
    events.publish(name, user, event());
  }
}
