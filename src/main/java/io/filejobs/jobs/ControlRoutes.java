package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Routes the control requests of one kind (terminate, pause, resume, status) to the node whose job
 * they are for. Each node listens on a route of its own, {@link JobBus#route} (a cluster-wide
 * consumer), for as long as the verticle that owns its jobs runs, and a claim's tag names the node
 * that took it ({@link ClusterClaims#nodeOf}).
 *
 * <p>What it guarantees: a control {@code {"user"}} reaching any node's public address is answered
 *
 * <ul>
 *   <li>by the job's node, with the job's own answer (a job of this node is asked directly: its
 *       handle in {@link LocalHandles} means it holds its claim; otherwise the request goes to the
 *       route its claim names);
 *   <li>or 404 only once the user's slot is free: when the user holds no claim, or the job has let
 *       its claim go and the claim is gone (or its removal failed twice, see {@link
 *       ClusterClaims#free});
 *   <li>or 503 when the job's node does not answer within {@value #FORWARD_TIMEOUT_MS} ms, or
 *       cannot be reached while the claim still holds the slot;
 *   <li>or 400 when the body names no user.
 * </ul>
 *
 * <p>Why one address per node and not one per job: a clustered message that reaches a node just
 * after its consumer is gone is dropped without a word (Vert.x 5.1), so a control sent to a job
 * that ended meanwhile waited the whole {@value #FORWARD_TIMEOUT_MS} ms timeout; and a per-job
 * consumer cost a write to the cluster's subscriptions at each start and end.
 */
final class ControlRoutes {

  /** How long a forwarded control request waits for the job's node. */
  static final long FORWARD_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final String kind;
  private final ClusterClaims claims;
  private final LocalHandles handles;
  private Unattached unattached = Unattached.NONE;

  /** Where other nodes send the controls of this node's jobs. */
  private final String route;

  ControlRoutes(Vertx vertx, String kind, String node, ClusterClaims claims, LocalHandles handles) {
    this.vertx = vertx;
    this.kind = kind;
    this.claims = claims;
    this.handles = handles;
    this.route = JobBus.route(kind, node);
  }

  /**
   * Listens on this node's route. Call from the verticle that owns the jobs: the route lives as
   * long as that verticle.
   */
  Future<Void> listen() {
    return vertx.eventBus().consumer(route, this::control).completion();
  }

  /**
   * Registers the public terminate, pause, resume and status consumers of this kind; {@code
   * unattached} answers for a user who holds no claim.
   */
  Future<Void> serve(
      EventBus bus,
      String terminate,
      String pause,
      String resume,
      String status,
      String nothingRunning,
      Unattached unattached) {
    this.unattached = unattached;
    return Future.all(
            bus.consumer(terminate, forward(JobBus.ACTION_TERMINATE, nothingRunning)).completion(),
            bus.consumer(pause, forward(JobBus.ACTION_PAUSE, nothingRunning)).completion(),
            bus.consumer(resume, forward(JobBus.ACTION_RESUME, nothingRunning)).completion(),
            bus.consumer(status, forward(JobBus.ACTION_STATUS, nothingRunning)).completion())
        .mapEmpty();
  }

  /** Answers a control forwarded to this node's route, with the job this node runs. */
  private void control(Message<JsonObject> message) {
    String user = message.body() == null ? null : message.body().getString(JobBus.USER);
    Job job = user == null ? null : handles.get(user);
    if (job == null) {
      // The handle goes before the claim: a job whose release is under way answers 404 only once
      // its claim is gone too, as an ended job that is asked directly does.
      handles
          .freedReleased(user)
          .onComplete(v -> JobBus.fail(message, Failure.NOT_FOUND, JobBus.nothingRunning(kind)));
      return;
    }
    act(job, message.headers().get(JobBus.ACTION), message.body())
        .onSuccess(message::reply)
        .onFailure(e -> JobBus.fail(message, e));
  }

  private static Future<JsonObject> act(Job job, String action, JsonObject body) {
    return switch (String.valueOf(action)) {
      case JobBus.ACTION_TERMINATE -> job.terminate();
      case JobBus.ACTION_PAUSE -> job.pause();
      case JobBus.ACTION_RESUME -> job.resume();
      case JobBus.ACTION_STATUS -> job.status();
      case JobBus.ACTION_INTERRUPT ->
          job.interrupt(body.getString(JobBus.MESSAGE, ""), body.getBoolean(JobBus.PAUSED, true));
      default ->
          Future.failedFuture(new JobFailure(Failure.BAD_REQUEST, JobBus.NO_SUCH_ACTION_MESSAGE));
    };
  }

  /**
   * Asks a resumable job of {@code user}, wherever it runs, to let go of the user's slot because a
   * newer request resumes it ({@link Job#interrupt}).
   *
   * @return the job's status as it was, or null when no job holds the slot (none did, or its node
   *     is gone from the cluster: its claim is then removed); fails with 423 {@link Failure#LOCKED}
   *     when the job cannot let go now (it is finishing, is no resumable job, or its node does not
   *     answer)
   */
  Future<JsonObject> interrupt(String user, String why, boolean evenPaused) {
    JsonObject body =
        new JsonObject()
            .put(JobBus.USER, user)
            .put(JobBus.MESSAGE, why)
            .put(JobBus.PAUSED, evenPaused);
    Job here = handles.get(user);
    if (here != null) {
      return here.interrupt(why, evenPaused);
    }
    return claims
        .holder(user)
        .compose(
            holder -> {
              if (holder == null) {
                return Future.succeededFuture(null);
              }
              return vertx
                  .eventBus()
                  .<JsonObject>request(
                      JobBus.route(kind, ClusterClaims.nodeOf(holder)),
                      body,
                      new DeliveryOptions()
                          .addHeader(JobBus.ACTION, JobBus.ACTION_INTERRUPT)
                          .setSendTimeout(FORWARD_TIMEOUT_MS))
                  .map(Message::body)
                  .recover(e -> interruptFailed(user, holder, e));
            });
  }

  private Future<JsonObject> interruptFailed(String user, String holder, Throwable e) {
    if (e instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      if (r instanceof FailureReply named && named.failure() == Failure.NOT_FOUND) {
        return Future.succeededFuture(null); // it ended meanwhile, and its slot is free
      }
      return Future.failedFuture(r);
    }
    if (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
      // No node listens on the holder's route: its node has left the cluster (or its upload
      // verticle stopped) without freeing the claim, which would otherwise hold the slot until
      // it expires.
      return claims.evict(user, holder).map((JsonObject) null);
    }
    return Future.failedFuture(new JobFailure(Failure.LOCKED, JobBus.notAnswering(kind)));
  }

  /**
   * Answers a public control request ({@code {"user"}}) by forwarding it to the user's job,
   * wherever it runs: its answer, 404 with {@code nothingRunning} when there is none, 503 when its
   * node does not answer, 400 without a user.
   *
   * <p>A job this node runs is asked directly: its handle in the local map means it holds its claim
   * (the handle goes in after the claim is taken and out before it is freed), so neither the claim
   * nor the bus needs asking. In a cluster that saves a read of the cluster map and a trip through
   * the bus whenever the request reaches the job's own node.
   *
   * <p>Otherwise the claim decides whether a job runs (without one the answer is 404 at once) and
   * names the node's route, on whichever node, that the request goes to.
   */
  private Handler<Message<JsonObject>> forward(String action, String nothingRunning) {
    return message -> {
      String user = message.body() == null ? null : message.body().getString(JobBus.USER);
      if (user == null) {
        JobBus.fail(message, Failure.BAD_REQUEST, JobBus.NO_USER_MESSAGE);
        return;
      }
      Job here = handles.get(user);
      if (here != null) {
        act(here, action, message.body())
            .timeout(FORWARD_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .onSuccess(message::reply)
            .onFailure(
                e -> {
                  if (e instanceof TimeoutException) { // as when a forwarded request times out
                    JobBus.fail(message, Failure.UNAVAILABLE, JobBus.notAnswering(kind));
                  } else {
                    JobBus.fail(message, e);
                  }
                });
        return;
      }
      claims
          .holder(user)
          .compose(
              holder ->
                  holder == null
                      ? Future.failedFuture(new NoClaim())
                      : vertx
                          .eventBus()
                          .<JsonObject>request(
                              JobBus.route(kind, ClusterClaims.nodeOf(holder)),
                              new JsonObject().put(JobBus.USER, user),
                              new DeliveryOptions()
                                  .addHeader(JobBus.ACTION, action)
                                  .setSendTimeout(FORWARD_TIMEOUT_MS)))
          .onSuccess(reply -> message.reply(reply.body()))
          .onFailure(e -> forwardFailed(message, user, action, e, nothingRunning));
    };
  }

  private void forwardFailed(
      Message<JsonObject> message, String user, String action, Throwable e, String nothingRunning) {
    if (e instanceof NoClaim) {
      askUnattached(message, user, action, nothingRunning);
    } else if (e instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      JobBus.fail(message, r); // the job's own failure, its code kept
    } else {
      // No answer, or no route: the job's node is in trouble, has stopped, or went away with the
      // request (a message to a consumer that is gone is dropped, and Vert.x reports a timeout).
      // The claim tells whether the job still holds the slot: if it does, "nothing runs" would be
      // untrue (a new job would get 409).
      claims
          .holder(user)
          .onComplete(
              now -> {
                if (now.succeeded() && now.result() == null) {
                  askUnattached(message, user, action, nothingRunning);
                } else {
                  JobBus.fail(message, Failure.UNAVAILABLE, JobBus.notAnswering(kind));
                }
              });
    }
  }

  /**
   * No job of the user runs: answers with what the user's unattached job says (a resumable upload
   * no connection feeds), or 404 with {@code nothingRunning}.
   */
  private void askUnattached(
      Message<JsonObject> message, String user, String action, String nothingRunning) {
    Unattached.Action asked =
        switch (action) {
          case JobBus.ACTION_TERMINATE -> Unattached.Action.TERMINATE;
          case JobBus.ACTION_PAUSE -> Unattached.Action.PAUSE;
          case JobBus.ACTION_RESUME -> Unattached.Action.RESUME;
          default -> Unattached.Action.STATUS;
        };
    unattached
        .control(user, asked)
        .onSuccess(message::reply)
        .onFailure(
            e -> {
              if (e instanceof JobFailure f && f.failure() == Failure.NOT_FOUND) {
                JobBus.fail(message, Failure.NOT_FOUND, nothingRunning);
              } else {
                JobBus.fail(message, e);
              }
            });
  }

  /** The user holds no claim of this kind: nothing runs. */
  private static final class NoClaim extends RuntimeException {
    NoClaim() {
      super("no claim", null, false, false);
    }
  }
}
