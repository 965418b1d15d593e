package io.filejobs.jobs;

import io.vertx.core.json.JsonObject;

/**
 * How a job ended: completed with its result, failed (terminated included), or, for a resumable
 * job, interrupted with its bytes kept.
 */
public sealed interface Outcome {
  /** Every byte moved and the job's result is in place (stored, or sent whole). */
  record Completed(JsonObject result) implements Outcome {}

  /** The job stopped before its end, for {@code why}. */
  record Failed(JobFailure why) implements Outcome {}

  /**
   * A resumable job's request ended with every byte it carried kept, before the file's end: the job
   * is over, its bytes wait for another request ({@code result} answers this one).
   */
  record Interrupted(JsonObject result) implements Outcome {}
}
