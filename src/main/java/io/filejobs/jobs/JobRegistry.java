package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.util.function.Function;

/**
 * The running jobs of one kind on this node, one per user, in a shared local map so that any
 * verticle of the process finds them.
 */
public final class JobRegistry {

  private final LocalMap<String, Job> jobs;

  public JobRegistry(Vertx vertx, String kind) {
    this.jobs = vertx.sharedData().getLocalMap("filejobs.jobs." + kind);
  }

  /** Registers {@code job} as its user's job; false when the user already has one. */
  public boolean claim(Job job) {
    return jobs.putIfAbsent(job.user(), job) == null;
  }

  /** Unregisters {@code job}, and only it: a finished job never removes its successor. */
  public void release(Job job) {
    jobs.removeIfPresent(job.user(), job);
  }

  /** The user's running job, or null. */
  public Job find(String user) {
    return jobs.get(user);
  }

  public int size() {
    return jobs.size();
  }

  /**
   * Answers a control request ({@code {"user"}}) with {@code action} applied to the user's job:
   * its answer, 404 with {@code nothingRunning} when the user has no job here, 400 without a user.
   */
  public Handler<Message<JsonObject>> control(
      Function<Job, Future<JsonObject>> action, String nothingRunning) {
    return message -> {
      String user = message.body() == null ? null : message.body().getString(JobBus.USER);
      if (user == null) {
        message.fail(JobBus.BAD_REQUEST, "the body needs a \"user\"");
        return;
      }
      Job job = find(user);
      if (job == null) {
        message.fail(JobBus.NOT_FOUND, nothingRunning);
        return;
      }
      action.apply(job).onSuccess(message::reply).onFailure(e -> JobBus.fail(message, e));
    };
  }

  /** Registers the terminate, pause, resume and status consumers of one kind. */
  public Future<Void> serveControls(
      EventBus bus,
      String terminate,
      String pause,
      String resume,
      String status,
      String nothingRunning) {
    return Future.all(
            bus.consumer(terminate, control(Job::terminate, nothingRunning)).completion(),
            bus.consumer(pause, control(Job::pause, nothingRunning)).completion(),
            bus.consumer(resume, control(Job::resume, nothingRunning)).completion(),
            bus.consumer(status, control(Job::status, nothingRunning)).completion())
        .mapEmpty();
  }
}
