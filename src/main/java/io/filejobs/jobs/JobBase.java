package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/**
 * What every job has: its user and kind, the {@link Handoff} whose context it runs on, and its
 * slot in the {@link JobRegistry}. Subclasses run entirely on {@code handoff.context()}.
 */
public abstract class JobBase implements Job {

  protected final String user;
  protected final String kind;
  protected final Handoff handoff;
  protected final JobRegistry registry;

  protected JobBase(String kind, String user, Handoff handoff, JobRegistry registry) {
    this.kind = kind;
    this.user = user;
    this.handoff = handoff;
    this.registry = registry;
  }

  @Override
  public final String user() {
    return user;
  }

  /** Takes the user's slot for this kind; fails with 409 when another job holds it. */
  protected final Future<Void> claim() {
    if (registry.claim(this)) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(
        new JobFailure(
            JobBus.CONFLICT,
            "conflict",
            "you are already " + kind + "ing a file: terminate it or wait until it ends"));
  }

  /** A 404 saying the user runs no job of this kind. */
  protected final JobFailure nothingRunning() {
    return new JobFailure(JobBus.NOT_FOUND, "not_found", "you are not " + kind + "ing anything");
  }

  @Override
  public final Future<JsonObject> terminate() {
    Promise<JsonObject> answer = Promise.promise();
    handoff.context().runOnContext(v -> terminateHere(answer));
    return answer.future();
  }

  /** Stops the job, on its context; completes {@code answer} with a {@link #summary} when done. */
  protected abstract void terminateHere(Promise<JsonObject> answer);

  /** {@code {"user","kind","filename","bytes"}}. */
  protected final JsonObject summary(String filename, long bytes) {
    return new JsonObject()
        .put(JobBus.USER, user)
        .put(JobBus.KIND, kind)
        .put(JobBus.FILENAME, filename)
        .put(JobBus.BYTES, bytes);
  }
}
