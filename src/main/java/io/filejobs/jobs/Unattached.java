package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * What a user's job of a kind is while no node runs it: a resumable upload that no connection feeds
 * (interrupted). The {@link ControlRoutes} ask it when the user holds no claim, so that terminate
 * and status find the upload in every state. Each answer fails with 404 {@link Failure#NOT_FOUND}
 * when there is nothing.
 */
public interface Unattached {

  /** Nothing is ever unattached (exports). */
  Unattached NONE =
      (user, action) ->
          Future.failedFuture(new JobFailure(Failure.NOT_FOUND, "nothing unattached"));

  /** Which control it is asked for. */
  enum Action {
    TERMINATE,
    PAUSE,
    RESUME,
    STATUS
  }

  /** Answers {@code action} for {@code user}'s unattached job, as its job would. */
  Future<JsonObject> control(String user, Action action);
}
