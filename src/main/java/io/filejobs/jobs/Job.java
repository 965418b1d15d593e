package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;

/**
 * A running transfer as other verticles see it through the {@link JobRegistry}. Its streams live on
 * one context (the HTTP connection's event loop): every method may be called from any thread, and
 * acts on that context. Each returns the job's status ({@link #status}) or fails with a {@link
 * JobFailure}.
 */
public interface Job extends Shareable {

  String user();

  /** Stops the transfer at once and cleans up; answers {"user","kind","filename","bytes"}. */
  Future<JsonObject> terminate();

  /** Stops the bytes by back-pressure, keeping everything open; 409 when already paused. */
  Future<JsonObject> pause();

  /** Lets the bytes flow again from where they stopped; 409 when not paused. */
  Future<JsonObject> resume();

  /** Where the job is: state, bytes, total, start time and rate. */
  Future<JsonObject> status();

  /**
   * Ends the job because its node is stopping (503 {@code stopping} to its client), unless it has
   * ended or is finishing; completes once it has acted.
   */
  Future<Void> stopNow();

  /**
   * Ends a resumable job because a newer request resumes it ({@code why}, for the old connection,
   * which is closed): its bytes are kept. Answers the job's status as it was (a paused job's new
   * request starts paused); 423 when the job is not resumable or is finishing. A paused job is left
   * as it is unless {@code evenPaused} (a request that only asks where the upload stands must not
   * undo its owner's pause).
   */
  Future<JsonObject> interrupt(String why, boolean evenPaused);
}
