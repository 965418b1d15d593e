package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.LocalMap;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running jobs of one kind, one per user across the whole cluster (or the one process).
 *
 * <ul>
 *   <li>The <b>claim</b> is an entry {@code user -> node/job} in a cluster-wide {@link AsyncMap},
 *       taken with {@code putIfAbsent}: a second job for the user gets 409 on any node. The
 *       entry lives {@value #CLAIM_TTL_MS} ms unless the job's node refreshes it (every {@value
 *       #REFRESH_MS} ms), so a node that dies frees its users' slots within that time.
 *   <li>The <b>handle</b> (the {@link Job}) sits in this node's shared local map, where a control
 *       request that reaches this node finds it.
 *   <li>The <b>route</b>: each registry listens on its own {@link JobBus#route} (a cluster-wide
 *       consumer) for as long as its verticle runs, and a claim names the registry that took it.
 *       A control request may arrive on any node's public address ({@code
 *       filejobs.upload.terminate}, ...): a job of this node is asked directly; otherwise the
 *       claim says whether a job runs (none: 404) and which node to forward the request to.
 * </ul>
 *
 * <p>Why one address per node and not one per job: a clustered message that reaches a node just
 * after its consumer is gone is dropped without a word (Vert.x 5.1), so a control sent to a job
 * that ended meanwhile waited the whole {@value #FORWARD_TIMEOUT_MS} ms timeout; and a per-job
 * consumer cost a write to the cluster's subscriptions at each start and end.
 */
public final class JobRegistry {

  private static final Logger log = LoggerFactory.getLogger(JobRegistry.class);

  /** How long a claim outlives its node's last refresh. */
  public static final long CLAIM_TTL_MS = 10_000;

  static final long REFRESH_MS = 3_000;

  /** How long a forwarded control request waits for the job's node. */
  static final long FORWARD_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final String kind;
  private final LocalMap<String, Job> local;
  private final AsyncMap<String, String> claims;
  private final String node = UUID.randomUUID().toString();
  /** Where other nodes send the controls of this registry's jobs. */
  private final String route;
  /** The claims this registry's jobs hold now, on whatever context each job runs. */
  private final Set<Claim> held = ConcurrentHashMap.newKeySet();
  /** Set once the node stops: no new job may start here. */
  private volatile boolean stopping;

  private JobRegistry(Vertx vertx, String kind, AsyncMap<String, String> claims) {
    this.vertx = vertx;
    this.kind = kind;
    this.local = vertx.sharedData().getLocalMap(JobBus.handlesMap(kind));
    this.claims = claims;
    this.route = JobBus.route(kind, node);
  }

  /**
   * A registry for {@code kind}, listening on its route address. Call from the verticle that owns
   * the jobs: the route lives as long as that verticle.
   */
  public static Future<JobRegistry> create(Vertx vertx, String kind) {
    return vertx
        .sharedData()
        .<String, String>getAsyncMap(JobBus.claimsMap(kind))
        .map(claims -> new JobRegistry(vertx, kind, claims))
        .compose(
            registry ->
                vertx
                    .eventBus()
                    .consumer(registry.route, registry::control)
                    .completion()
                    .map(registry));
  }

  /** The registry that took a claim, from its tag ({@code node/job}). */
  private static String nodeOf(String tag) {
    int slash = tag.indexOf('/');
    return slash < 0 ? tag : tag.substring(0, slash);
  }

  /** A job's hold on its user's slot; release it exactly when the job ends. */
  public static final class Claim {
    private final Job job;
    private final String tag;
    /** Completes once the slot is free. */
    private final Promise<Void> freed = Promise.promise();
    /** Completes once, besides, the job's cleanup is done. */
    private final Promise<Void> gone = Promise.promise();
    private long refresh = -1;
    /** Set on the job's context; read by control requests on other threads. */
    private volatile boolean released;

    private Claim(Job job, String tag) {
      this.job = job;
      this.tag = tag;
    }
  }

  /**
   * Claims {@code job}'s user's slot, cluster-wide, and lets controls find it. Call on the job's
   * context (its refresh timer runs there).
   *
   * @return the claim, or a {@link JobFailure}: 409 when the user runs a job of this kind
   *     anywhere, 503 when this node is stopping
   */
  public Future<Claim> claim(Job job) {
    if (stopping) {
      return Future.failedFuture(stoppingFailure());
    }
    String user = job.user();
    String tag = node + "/" + UUID.randomUUID();
    return claims
        .putIfAbsent(user, tag, CLAIM_TTL_MS)
        .compose(
            previous -> {
              if (previous != null) {
                return Future.failedFuture(
                    new JobFailure(Failure.CONFLICT, JobBus.alreadyRunning(kind)));
              }
              local.put(user, job);
              Claim claim = new Claim(job, tag);
              claim.refresh = vertx.setPeriodic(REFRESH_MS, id -> refresh(claim));
              held.add(claim);
              if (stopping) { // stop() began meanwhile and may not have seen this claim
                return release(claim).compose(v -> Future.failedFuture(stoppingFailure()));
              }
              return Future.succeededFuture(claim);
            });
  }

  private void refresh(Claim claim) {
    String user = claim.job.user();
    claims
        .get(user)
        .compose(
            holder ->
                claim.tag.equals(holder) && !claim.released
                    ? claims.put(user, claim.tag, CLAIM_TTL_MS)
                    : Future.<Void>succeededFuture())
        .onFailure(e -> log.warn("could not refresh the {} claim of {}", kind, user, e));
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
    if (claim == null || claim.released) {
      return Future.succeededFuture();
    }
    claim.released = true;
    vertx.cancelTimer(claim.refresh);
    // A control that comes meanwhile finds no handle, and answers 404 once the claim is gone.
    local.removeIfPresent(claim.job.user(), claim.job);
    String user = claim.job.user();
    Future<Void> done =
        claims
            .removeIfPresent(user, claim.tag)
            .recover(e -> claims.removeIfPresent(user, claim.tag)) // once more: members moving
            .<Void>transform(
                ar -> {
                  if (ar.failed()) { // it expires CLAIM_TTL_MS after its last refresh
                    log.warn("could not free the {} claim of {}", kind, user, ar.cause());
                  }
                  return Future.succeededFuture();
                })
            .onComplete(claim.freed);
    Future.join(done, cleanup).onComplete(
        v -> {
          held.remove(claim);
          claim.gone.complete();
        });
    return done;
  }

  /**
   * Completes once {@code job}'s slot is free: at once when it holds none. An ended job answers
   * its controls with 404 only then, so that "nothing runs" always means the user may start again.
   * (A job ends before it frees its slot: an export closes its file first.)
   */
  public Future<Void> freed(Job job) {
    return freedWhere(c -> c.job == job);
  }

  private Future<Void> freedWhere(Predicate<Claim> which) {
    List<Future<Void>> freeing = held.stream().filter(which).map(c -> c.freed.future()).toList();
    return freeing.isEmpty() ? Future.succeededFuture() : Future.join(freeing).mapEmpty();
  }

  private JobFailure stoppingFailure() {
    return new JobFailure(Failure.STOPPING, JobBus.STOPPING_MESSAGE);
  }

  /**
   * Stops this node's jobs of this kind: refuses new ones at once (503), lets the running ones go
   * on for up to {@code graceMs} (one that completes meanwhile is stored or sent whole), then ends
   * the rest ({@link Job#stopNow}).
   *
   * @return completes once every job has ended and freed its slot, or (logged) when one has not
   *     10 s after the grace time
   */
  public Future<Void> stop(long graceMs) {
    stopping = true;
    List<Claim> running = List.copyOf(held);
    if (running.isEmpty()) {
      return Future.succeededFuture();
    }
    log.info("stopping: {} {}(s) running, ending in {} ms unless done", running.size(), kind, graceMs);
    Promise<Void> stopped = Promise.promise();
    Future.join(running.stream().map(c -> c.gone.future()).toList())
        .onComplete(v -> stopped.tryComplete());
    long cut =
        vertx.setTimer(
            Math.max(1, graceMs),
            id -> running.forEach(c -> c.job.stopNow())); // a job that ended ignores it
    long giveUp =
        vertx.setTimer(
            graceMs + 10_000,
            id -> {
              if (stopped.tryComplete()) {
                log.warn("stopping: some {}s did not end in time", kind);
              }
            });
    return stopped.future().onComplete(v -> {
      vertx.cancelTimer(cut);
      vertx.cancelTimer(giveUp);
    });
  }

  /** Answers a control forwarded to this registry's route, with the job this node runs. */
  private void control(Message<JsonObject> message) {
    String user = message.body() == null ? null : message.body().getString(JobBus.USER);
    Job job = user == null ? null : local.get(user);
    if (job == null) {
      // The handle goes before the claim: a job whose release is under way answers 404 only once
      // its claim is gone too, as an ended job that is asked directly does.
      freedWhere(c -> c.released && c.job.user().equals(user))
          .onComplete(v -> message.fail(JobBus.NOT_FOUND, JobBus.nothingRunning(kind)));
      return;
    }
    act(job, message.headers().get(JobBus.ACTION))
        .onSuccess(message::reply)
        .onFailure(e -> JobBus.fail(message, e));
  }

  private static Future<JsonObject> act(Job job, String action) {
    return switch (String.valueOf(action)) {
      case JobBus.ACTION_TERMINATE -> job.terminate();
      case JobBus.ACTION_PAUSE -> job.pause();
      case JobBus.ACTION_RESUME -> job.resume();
      case JobBus.ACTION_STATUS -> job.status();
      default -> Future.failedFuture(
          new JobFailure(Failure.BAD_REQUEST, JobBus.NO_SUCH_ACTION_MESSAGE));
    };
  }

  /**
   * Answers a public control request ({@code {"user"}}) by forwarding it to the user's job,
   * wherever it runs: its answer, 404 with {@code nothingRunning} when there is none, 503 when its
   * node does not answer, 400 without a user.
   *
   * <p>A job this node runs is asked directly: its handle in the local map means it holds its
   * claim (the handle goes in after the claim is taken and out before it is freed), so neither
   * the claim nor the bus needs asking. In a cluster that saves a read of the cluster map and a
   * trip through the bus whenever the request reaches the job's own node.
   *
   * <p>Otherwise the claim decides whether a job runs (without one the answer is 404 at once) and
   * names the registry, on whichever node, that the request goes to.
   */
  private Handler<Message<JsonObject>> forward(String action, String nothingRunning) {
    return message -> {
      String user = message.body() == null ? null : message.body().getString(JobBus.USER);
      if (user == null) {
        message.fail(JobBus.BAD_REQUEST, JobBus.NO_USER_MESSAGE);
        return;
      }
      Job here = local.get(user);
      if (here != null) {
        act(here, action)
            .timeout(FORWARD_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .onSuccess(message::reply)
            .onFailure(
                e -> {
                  if (e instanceof TimeoutException) { // as when a forwarded request times out
                    message.fail(JobBus.UNAVAILABLE, JobBus.notAnswering(kind));
                  } else {
                    JobBus.fail(message, e);
                  }
                });
        return;
      }
      claims
          .get(user)
          .compose(
              holder ->
                  holder == null
                      ? Future.failedFuture(new NoClaim())
                      : vertx
                          .eventBus()
                          .<JsonObject>request(
                              JobBus.route(kind, nodeOf(holder)),
                              new JsonObject().put(JobBus.USER, user),
                              new DeliveryOptions()
                                  .addHeader(JobBus.ACTION, action)
                                  .setSendTimeout(FORWARD_TIMEOUT_MS)))
          .onSuccess(reply -> message.reply(reply.body()))
          .onFailure(
              e -> {
                if (e instanceof NoClaim) {
                  message.fail(JobBus.NOT_FOUND, nothingRunning);
                } else if (e instanceof ReplyException r
                    && r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
                  JobBus.fail(message, r); // the job's own failure, its code kept
                } else {
                  // No answer, or no route: the job's node is in trouble, has stopped, or went
                  // away with the request (a message to a consumer that is gone is dropped, and
                  // Vert.x reports a timeout). The claim tells whether the job still holds the
                  // slot: if it does, "nothing runs" would be untrue (a new job would get 409).
                  claims
                      .get(user)
                      .onComplete(
                          now -> {
                            if (now.succeeded() && now.result() == null) {
                              message.fail(JobBus.NOT_FOUND, nothingRunning);
                            } else {
                              message.fail(JobBus.UNAVAILABLE, JobBus.notAnswering(kind));
                            }
                          });
                }
              });
    };
  }

  /** The user holds no claim of this kind: nothing runs. */
  private static final class NoClaim extends RuntimeException {
    NoClaim() {
      super("no claim", null, false, false);
    }
  }

  /** Registers the public terminate, pause, resume and status consumers of this kind. */
  public Future<Void> serveControls(
      EventBus bus,
      String terminate,
      String pause,
      String resume,
      String status,
      String nothingRunning) {
    return Future.all(
            bus.consumer(terminate, forward(JobBus.ACTION_TERMINATE, nothingRunning)).completion(),
            bus.consumer(pause, forward(JobBus.ACTION_PAUSE, nothingRunning)).completion(),
            bus.consumer(resume, forward(JobBus.ACTION_RESUME, nothingRunning)).completion(),
            bus.consumer(status, forward(JobBus.ACTION_STATUS, nothingRunning)).completion())
        .mapEmpty();
  }
}
