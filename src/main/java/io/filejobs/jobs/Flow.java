package io.filejobs.jobs;

import io.vertx.core.Future;

/**
 * The bytes of one job on the move, as {@link JobBase} controls them: counted, paused and resumed
 * from outside, stopped for good. Two ways to move them: {@link Transfer}, a copy loop between a
 * read and a write stream; and an export's zero-copy sender, which hands file ranges to the
 * socket. All methods run on the job's context, but {@link #bytes()} may be read from anywhere.
 */
public interface Flow {

  /**
   * Starts moving bytes.
   *
   * @return completes with the byte count once every byte has moved; fails with the first error
   */
  Future<Long> start();

  /** Bytes moved so far. */
  long bytes();

  /** Holds the flow back until {@link #resume()}: no new bytes are taken from the source. */
  void pause();

  /** Lets a paused flow go on. */
  void resume();

  /** True once the source has given its last byte (the sink may still be writing). */
  boolean sourceEnded();

  /** Stops at once and for good; {@link #start()}'s future fails if it has not completed. */
  void stop();
}
