package io.filejobs.jobs;

import io.filejobs.transport.BufferBudget;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running jobs of one kind, one per user across the whole cluster (or the one process): the one
 * door through which a job verticle and its jobs reach four small parts, each with its own
 * guarantee.
 *
 * <ul>
 *   <li>{@link ClusterClaims}: the <b>claim</b>, an entry {@code user -> node/job} in a
 *       cluster-wide map taken with {@code putIfAbsent} (a second job for the user gets 409 on any
 *       node), refreshed by its node and gone {@value #CLAIM_TTL_MS} ms after its last refresh.
 *   <li>{@link LocalHandles}: the <b>handle</b> (the {@link Job}) in this node's shared local map,
 *       there only while its job holds its claim, where a control reaching this node finds it.
 *   <li>{@link ControlRoutes}: the <b>route</b> of this node, and the public control addresses that
 *       answer on every node with the job's own answer, 404 once the slot is free, or 503.
 *   <li>{@link GracefulStop}: once the node stops, no job starts here; the running ones get the
 *       grace time, are then ended, and the stop completes within 10 s more.
 * </ul>
 *
 * <p>Everything runs on the contexts that call it: a claim's refresh on the job's context, the
 * consumers on the verticle's, a stop's timers on the stopping verticle's.
 */
public final class JobRegistry {

  private static final Logger log = LoggerFactory.getLogger(JobRegistry.class);

  /** How long a claim outlives its node's last refresh. */
  public static final long CLAIM_TTL_MS = ClusterClaims.TTL_MS;

  private final ClusterClaims claims;
  private final LocalHandles handles;
  private final ControlRoutes routes;
  private final GracefulStop graceful;
  private final String kind;

  private JobRegistry(Vertx vertx, String kind, AsyncMap<String, String> map) {
    this.kind = kind;
    String node = UUID.randomUUID().toString();
    this.claims = new ClusterClaims(vertx, kind, node, map);
    this.handles = new LocalHandles(vertx, kind);
    this.routes = new ControlRoutes(vertx, kind, node, claims, handles);
    this.graceful = new GracefulStop(vertx, kind, handles);
  }

  /**
   * A registry for {@code kind}, listening on its route address. Call from the verticle that owns
   * the jobs: the route lives as long as that verticle.
   */
  public static Future<JobRegistry> create(Vertx vertx, String kind) {
    return vertx
        .sharedData()
        .<String, String>getAsyncMap(JobBus.claimsMap(kind))
        .map(map -> new JobRegistry(vertx, kind, map))
        .compose(registry -> registry.routes.listen().map(registry));
  }

  /** A job's hold on its user's slot; release it exactly when the job ends. */
  public static final class Claim {
    final Job job;
    final ClusterClaims.Lease lease;

    /** Completes once the slot is free. */
    final Promise<Void> freed = Promise.promise();

    /** Completes once, besides, the job's cleanup is done. */
    final Promise<Void> gone = Promise.promise();

    private Claim(Job job, ClusterClaims.Lease lease) {
      this.job = job;
      this.lease = lease;
    }

    /** True once the job let go of its slot: it is free, or being freed. */
    boolean released() {
      return lease.released();
    }
  }

  /**
   * Claims {@code job}'s user's slot, cluster-wide, and lets controls find it. Call on the job's
   * context (its refresh timer runs there).
   *
   * @return the claim, or a {@link JobFailure}: 503 {@link Failure#BUSY} (before any claim) when
   *     the node's {@link BufferBudget} has no room for another transfer, 409 when the user runs a
   *     job of this kind anywhere, 503 when this node is stopping
   */
  public Future<Claim> claim(Job job) {
    if (!BufferBudget.admits()) {
      log.info(
          "refused a new {} by {}: transfer buffers hold {} KiB of {} KiB",
          kind,
          job.user(),
          BufferBudget.inUse() >> 10,
          BufferBudget.budget() >> 10);
      return Future.failedFuture(new JobFailure(Failure.BUSY, JobBus.busyMessage()));
    }
    return graceful.admit(
        () ->
            claims
                .take(job.user())
                .map(
                    lease -> {
                      Claim claim = new Claim(job, lease);
                      handles.add(claim);
                      return claim;
                    }),
        this::release);
  }

  /** {@link #release(Claim, Future)} for a job with nothing left to do once its slot is free. */
  public Future<Void> release(Claim claim) {
    return release(claim, Future.succeededFuture());
  }

  /**
   * Frees the slot; only this claim's, whatever came after it. Idempotent.
   *
   * @param cleanup what the job still does after freeing its slot (an upload removing its temp
   *     file): a stop of the node waits for it too
   * @return completes (never fails) once the slot is free cluster-wide, so that whoever is then
   *     told the job ended finds no trace of it
   */
  public Future<Void> release(Claim claim, Future<?> cleanup) {
    if (claim == null || !claims.letGo(claim.lease)) {
      return Future.succeededFuture();
    }
    // The handle goes out after the claim is marked released and before it is freed: a control
    // that comes meanwhile finds no handle, and answers 404 once the claim is gone.
    handles.remove(claim);
    Future<Void> done = claims.free(claim.lease);
    handles.settle(claim, done, cleanup);
    return done;
  }

  /**
   * Completes once {@code job}'s slot is free: at once when it holds none. An ended job answers its
   * controls with 404 only then, so that "nothing runs" always means the user may start again. (A
   * job ends before it frees its slot: an export closes its file first.)
   */
  public Future<Void> freed(Job job) {
    return handles.freed(job);
  }

  /**
   * Stops this node's jobs of this kind: refuses new ones at once (503), lets the running ones go
   * on for up to {@code graceMs} (one that completes meanwhile is stored or sent whole), then ends
   * the rest ({@link Job#stopNow}).
   *
   * @return completes once every job has ended and freed its slot, or (logged) when one has not 10
   *     s after the grace time
   */
  public Future<Void> stop(long graceMs) {
    return graceful.stop(graceMs);
  }

  /**
   * Asks a resumable job of {@code user}, wherever it runs, to let go because a newer request
   * resumes it: its status as it was, null when no job holds the slot, 423 when it cannot let go
   * now. A paused job is left as it is unless {@code evenPaused}. See {@link Job#interrupt}.
   */
  public Future<JsonObject> interrupt(String user, String why, boolean evenPaused) {
    return routes.interrupt(user, why, evenPaused);
  }

  /** Whether {@code user} holds a claim of this kind anywhere (a job of theirs runs). */
  public Future<Boolean> held(String user) {
    return claims.holder(user).map(holder -> holder != null);
  }

  /**
   * Registers the public terminate, pause, resume and status consumers of this kind; {@code
   * unattached} answers for a user whose job no node runs (see {@link Unattached}).
   */
  public Future<Void> serveControls(
      EventBus bus,
      String terminate,
      String pause,
      String resume,
      String status,
      String nothingRunning,
      Unattached unattached) {
    return routes.serve(bus, terminate, pause, resume, status, nothingRunning, unattached);
  }
}
