package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;

/**
 * A running transfer as other verticles see it through the {@link JobRegistry}. Its streams live
 * on one context (the HTTP connection's event loop): every method may be called from any thread,
 * and acts on that context.
 */
public interface Job extends Shareable {

  String user();

  /**
   * Stops the transfer at once and cleans up (temp file deleted, file closed, job unregistered).
   *
   * @return {@code {"user","kind","filename","bytes"}} once it is stopped, or a {@link JobFailure}
   *     when it can no longer be stopped
   */
  Future<JsonObject> terminate();
}
