package io.filejobs.jobs;

import io.filejobs.jobs.JobRegistry.Claim;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The graceful stop of this node's jobs of one kind.
 *
 * <p>What it guarantees:
 *
 * <ul>
 *   <li>After {@link #stop} begins no job starts here: {@link #admit} refuses every claim with 503
 *       {@link Failure#STOPPING}, and a claim that was being taken as the stop began is released
 *       and refused the same way.
 *   <li>Every job running when the stop began has the grace time to end by itself (one that
 *       completes meanwhile is stored or sent whole); then each is ended ({@link Job#stopNow}).
 *   <li>The stop completes once every such job has ended, freed its slot and done its cleanup, and
 *       in any case within grace + {@value #GIVE_UP_AFTER_GRACE_MS} ms (logged when some job had
 *       not ended by then).
 * </ul>
 */
final class GracefulStop {

  private static final Logger log = LoggerFactory.getLogger(GracefulStop.class);

  /** How long past the grace time a stop waits for its jobs before it completes anyway. */
  static final long GIVE_UP_AFTER_GRACE_MS = 10_000;

  private final Vertx vertx;
  private final String kind;
  private final LocalHandles handles;

  /** Set once the node stops: no new job may start here. */
  private volatile boolean stopping;

  GracefulStop(Vertx vertx, String kind, LocalHandles handles) {
    this.vertx = vertx;
    this.kind = kind;
    this.handles = handles;
  }

  private static JobFailure refusal() {
    return new JobFailure(Failure.STOPPING, JobBus.STOPPING_MESSAGE);
  }

  /**
   * Takes a claim with {@code claiming} unless the stop has begun.
   *
   * @param claiming takes the claim and adds it to {@link LocalHandles#held}
   * @param release releases a claim taken while the stop began
   * @return the claim, or {@code claiming}'s failure, or 503 {@link Failure#STOPPING}
   */
  Future<Claim> admit(Supplier<Future<Claim>> claiming, Function<Claim, Future<Void>> release) {
    if (stopping) {
      return Future.failedFuture(refusal());
    }
    return claiming
        .get()
        .compose(
            claim -> {
              if (stopping) { // stop() began meanwhile and may not have seen this claim
                return release.apply(claim).compose(v -> Future.failedFuture(refusal()));
              }
              return Future.succeededFuture(claim);
            });
  }

  /**
   * Stops this node's jobs of this kind: refuses new ones at once (503), lets the running ones go
   * on for up to {@code graceMs}, then ends the rest ({@link Job#stopNow}).
   *
   * @return completes once every job has ended and freed its slot, or (logged) when one has not
   *     {@value #GIVE_UP_AFTER_GRACE_MS} ms after the grace time
   */
  Future<Void> stop(long graceMs) {
    stopping = true;
    List<Claim> running = handles.held();
    if (running.isEmpty()) {
      return Future.succeededFuture();
    }
    log.info(
        "stopping: {} {}(s) running, ending in {} ms unless done", running.size(), kind, graceMs);
    Promise<Void> stopped = Promise.promise();
    Future.join(running.stream().map(c -> c.gone.future()).toList())
        .onComplete(v -> stopped.tryComplete());
    long cut =
        vertx.setTimer(
            Math.max(1, graceMs),
            id -> running.forEach(c -> c.job.stopNow())); // a job that ended ignores it
    long giveUp =
        vertx.setTimer(
            graceMs + GIVE_UP_AFTER_GRACE_MS,
            id -> {
              if (stopped.tryComplete()) {
                log.warn("stopping: some {}s did not end in time", kind);
              }
            });
    return stopped
        .future()
        .onComplete(
            v -> {
              vertx.cancelTimer(cut);
              vertx.cancelTimer(giveUp);
            });
  }
}
