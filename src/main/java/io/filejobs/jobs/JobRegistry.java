package io.filejobs.jobs;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;

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
   * Answers terminate requests ({@code {"user"}}): the job's summary, 404 with {@code nothingRunning}
   * when the user has no job here, or the job's own failure.
   */
  public Handler<Message<JsonObject>> terminator(String nothingRunning) {
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
      job.terminate().onSuccess(message::reply).onFailure(e -> JobBus.fail(message, e));
    };
  }
}
