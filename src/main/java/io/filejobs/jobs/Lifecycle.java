package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of one job, whatever it moves: its slot in the {@link JobRegistry}, its {@link Phase}
 * (which only this class changes), its clock and events ({@link Progress}), the controls other
 * verticles reach through its handle (terminate, pause, resume, status, stop: {@link Controls}),
 * and the one way a job ends: {@link #end} with an {@link Outcome}.
 *
 * <p>A job composes one and supplies what differs: how it cleans up when it ends ({@link Cleanup}),
 * and when it is complete. Everything runs on {@code handoff.context()}, the job's event loop; the
 * controls hop there.
 */
public final class Lifecycle {

  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

  /** What a job releases when it ends with a failure, besides its transfer and its slot. */
  @FunctionalInterface
  public interface Cleanup {
    /**
     * Stops what else moves the job's bytes and gives back what it holds (a temp file, an open
     * file); completes once done, never fails. Runs once, on the job's context.
     */
    Future<Void> cleanUp(JobFailure why);
  }

  private final Vertx vertx;
  private final String user;
  private final String kind;
  private final Handoff handoff;
  private final JobRegistry registry;
  private final Progress progress;
  private final Controls controls;
  private Cleanup cleanup = why -> Future.succeededFuture();

  private Phase phase = Phase.STARTING;
  private JobFailure endedBy;
  private JobRegistry.Claim claim;
  private boolean pauseOnStart;

  /**
   * @param stoppedSuffix what a message about a stopped job of this kind adds (an upload: that
   *     nothing was stored)
   */
  public Lifecycle(
      Vertx vertx,
      String kind,
      String user,
      Handoff handoff,
      JobRegistry registry,
      JobEvents events,
      JobLimits limits,
      String stoppedSuffix) {
    this.vertx = vertx;
    this.kind = kind;
    this.user = user;
    this.handoff = handoff;
    this.registry = registry;
    this.controls = new Controls(this, vertx, limits.maxPauseSeconds() * 1000, stoppedSuffix);
    this.progress =
        new Progress(
            vertx,
            user,
            kind,
            events,
            limits.idleSeconds() * 1000,
            () -> phase == Phase.STARTING || phase == Phase.MOVING,
            this::idleTooLong);
  }

  /** How the job cleans up when it ends with a failure. Set it before {@link #claimThen}. */
  public Lifecycle onCleanup(Cleanup cleanup) {
    this.cleanup = cleanup;
    return this;
  }

  public String user() {
    return user;
  }

  public String kind() {
    return kind;
  }

  public Phase phase() {
    return phase;
  }

  /** Why the job ended, once it has ended with a failure; else null. */
  public JobFailure endedBy() {
    return endedBy;
  }

  /**
   * Makes the job resumable: an early end other than a terminate leaves its bytes for another
   * connection (its cleanup keeps them), and is announced as {@code interrupted}; {@link
   * #interrupt} ends it so. Set it before {@link #claimThen}.
   */
  public Lifecycle resumable() {
    progress.resumable = true;
    return this;
  }

  /**
   * Makes the job start paused, as its owner left the request it takes over: its bytes wait until a
   * resume. Set it before {@link #claimThen}.
   */
  public Lifecycle startsPaused() {
    pauseOnStart = true;
    return this;
  }

  /** Whether the job is {@link #resumable()}. */
  public boolean isResumable() {
    return progress.resumable;
  }

  /**
   * The bytes moved before this job began (a resumed upload's offset), counted in its byte figures;
   * {@code extra}, fields its status and events carry besides (a resumable upload's id).
   */
  public void resumesAt(long base, JsonObject extra) {
    progress.base = base;
    progress.extra = extra;
  }

  /** The file's name, once known (an upload learns it from its part's header). */
  public void named(String filename) {
    progress.filename = filename;
  }

  public String filename() {
    return progress.filename;
  }

  /** The number of bytes the job will move, when known. */
  public void total(Long total) {
    progress.total = total;
  }

  public long bytes() {
    return progress.bytes();
  }

  /** {@code {"user","kind","filename","bytes"}}. */
  public JsonObject summary(long bytes) {
    return progress.summary(bytes);
  }

  // --- the steps of a job's life, in order ---

  /**
   * Takes the user's slot for this kind, cluster-wide, then starts the job with {@code open}. Fails
   * as {@link JobRegistry#claim} does (503 busy or stopping, 409 when another job holds the slot).
   * Whatever goes wrong once the slot is held and the job has not ended itself (an exception {@code
   * open} throws, a failure it leaves unhandled) ends the job with a 500: a start never leaves the
   * slot claimed.
   */
  public Future<JsonObject> claimThen(Supplier<Future<JsonObject>> open) {
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

  private Future<Void> claim() {
    return registry
        .claim(controls)
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
                registry.release(claim);
                return Future.failedFuture(endedBy);
              }
              return Future.succeededFuture();
            });
  }

  private Future<JsonObject> startFailed(Throwable cause) {
    if (phase == Phase.ENDED) {
      return Future.failedFuture(cause); // the job ended itself, and freed its slot
    }
    log.error("{} by {} could not start", kind, user, cause);
    JobFailure failure = new JobFailure(Failure.INTERNAL_ERROR, "the " + kind + " could not start");
    return end(new Outcome.Failed(failure)).transform(v -> Future.failedFuture(failure));
  }

  /**
   * The job was accepted and waits for, or moves, bytes: from now on it ends itself when no byte
   * moves for the idle time while its owner has not paused it.
   */
  public void watch() {
    if (phase == Phase.STARTING || phase == Phase.MOVING) { // not once it ended (refused at once)
      progress.watch();
    }
  }

  /**
   * Bytes start to move through {@code transfer} (call before starting it): announces the job and
   * starts its clock; pauses it at once if it {@link #startsPaused}.
   */
  public void moving(Transfer transfer) {
    phase = Phase.MOVING;
    progress.started(transfer);
    if (pauseOnStart) {
      controls.pause();
    }
  }

  /**
   * Every byte has moved: the job stores or ends its answer and can no longer be stopped.
   *
   * @return false when the job was not moving (it ended meanwhile): then it does nothing more
   */
  public boolean finishing() {
    if (phase != Phase.MOVING) {
      return false;
    }
    phase = Phase.FINISHING;
    return true;
  }

  /**
   * Frees the slot while {@code pending} (what the job still does) goes on; a stop of the node
   * waits for both. For a job that frees its slot before its last step (an export, before its
   * answer ends). Idempotent; never fails.
   */
  public Future<Void> release(Future<?> pending) {
    return registry.release(claim, pending);
  }

  /**
   * Ends the job, once (later calls do nothing), and tells its exchange.
   *
   * <ul>
   *   <li>{@link Outcome.Completed}: announces it, frees the slot, then completes the exchange with
   *       the result.
   *   <li>{@link Outcome.Failed}: announces it, stops the bytes, cleans up ({@link Cleanup}) and
   *       frees the slot side by side. A job cut off on purpose (terminated, or its node stopping)
   *       tells its client as soon as the slot is free (a retry the moment it has the answer must
   *       not find the old job), the others once the cleanup is done too (a refused upload's room
   *       is given back first).
   * </ul>
   *
   * @return completes once the slot is free and the cleanup done (a terminate answers then)
   */
  public Future<Void> end(Outcome outcome) {
    if (phase == Phase.ENDED) {
      return Future.succeededFuture();
    }
    phase = Phase.ENDED;
    controls.ended();
    if (outcome instanceof Outcome.Completed done) {
      progress.over(null);
      Future<Void> released = registry.release(claim);
      released.onComplete(v -> handoff.complete(done.result()));
      return released;
    }
    if (outcome instanceof Outcome.Interrupted stored) {
      progress.over(null, true);
      Future<Void> released = registry.release(claim);
      released.onComplete(v -> handoff.complete(stored.result()));
      return released;
    }
    JobFailure why = ((Outcome.Failed) outcome).why();
    endedBy = why;
    progress.over(why);
    if (progress.transfer != null) {
      progress.transfer.stop();
    }
    Future<Void> cleaned = cleanup.cleanUp(why);
    Future<Void> released = registry.release(claim, cleaned);
    Future<Void> ended = Future.join(cleaned, released).mapEmpty();
    (why.cutOff() ? released : ended).onComplete(v -> handoff.fail(why));
    return ended;
  }

  /** Ends the job with {@code failure}: {@code end(new Outcome.Failed(failure))}. */
  public Future<Void> fail(Failure failure, String message) {
    return end(new Outcome.Failed(new JobFailure(failure, message)));
  }

  private void idleTooLong(long idleMs) {
    if (phase == Phase.STARTING || phase == Phase.MOVING) {
      log.info("{} of {} by {}: no byte moved for {} s", kind, filename(), user, idleMs / 1000);
      fail(Failure.TIMEOUT, JobBus.idleMessage(kind, idleMs / 1000));
    }
  }

  // --- for Controls ---

  Progress progress() {
    return progress;
  }

  Handoff handoff() {
    return handoff;
  }

  /** Completes once this job's slot is free (at once when it holds none). */
  Future<Void> freed() {
    return registry.freed(controls);
  }
}
