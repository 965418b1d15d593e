package io.filejobs.jobs;

/**
 * How long a job may wait.
 *
 * @param maxPauseSeconds longest its owner may keep it paused before it is terminated
 * @param idleSeconds longest it may go without moving a byte while not paused before it ends
 */
public record JobLimits(long maxPauseSeconds, long idleSeconds) {}
