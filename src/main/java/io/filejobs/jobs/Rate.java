package io.filejobs.jobs;

import java.util.ArrayDeque;

/** Bytes per second over the last few seconds, from samples of a growing byte count. */
final class Rate {

  static final long WINDOW_NANOS = 5_000_000_000L;

  private final ArrayDeque<long[]> samples = new ArrayDeque<>();

  /** Records that {@code bytes} had moved at {@code nanos} (System.nanoTime). */
  void record(long nanos, long bytes) {
    samples.addLast(new long[] {nanos, bytes});
    while (samples.size() > 2 && samples.peekFirst()[0] < nanos - WINDOW_NANOS) {
      samples.removeFirst();
    }
  }

  /** The rate between the oldest sample in the window and now; 0 before there is one. */
  long perSecond(long nanos, long bytes) {
    long[] oldest = samples.peekFirst();
    if (oldest == null || nanos <= oldest[0]) {
      return 0;
    }
    return Math.round((bytes - oldest[1]) * 1e9 / (nanos - oldest[0]));
  }
}
