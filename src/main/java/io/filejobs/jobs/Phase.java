package io.filejobs.jobs;

/** Where a job is in its life. */
public enum Phase {
  /** Claimed, opening its file; no byte moved yet. */
  STARTING,
  /** Bytes move (or are paused). */
  MOVING,
  /** Every byte moved; the job is storing or ending its answer and can no longer stop. */
  FINISHING,
  /** Over: stored, sent, terminated or failed. */
  ENDED
}
