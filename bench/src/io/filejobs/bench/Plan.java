package io.filejobs.bench;

/**
 * How much the benchmark does: the full run of issue 6, a quick smoke run of the same steps with
 * small sizes and one repetition, or the full run's terminate figures alone (for tuning them).
 *
 * @param runs repetitions of every figure
 * @param small the "1 GiB" file
 * @param large the "4 GiB" file (also the memory figure's transfer)
 * @param wide concurrent transfers (one user each)
 * @param wideSize bytes of each concurrent transfer
 * @param warmup bytes of the upload and export each server gets before anything is measured
 * @param terminations terminations per run for each terminate figure
 * @param slowUploads slow uploads held open at once for the memory figure
 * @param slowHoldMillis how long they are held (bytes trickling) while memory is watched
 * @param startups fresh service starts timed for the start-up figure
 */
public record Plan(
    String name,
    int runs,
    long small,
    long large,
    int wide,
    long wideSize,
    long warmup,
    int terminations,
    int slowUploads,
    long slowHoldMillis,
    int startups) {

  static final long MIB = 1024 * 1024;
  static final long GIB = 1024 * MIB;

  /**
   * The full run. Its warm-up is 2 GiB each way: a fresh service's uploads were still getting
   * faster up to the third GiB (the JIT compiling), so with 512 MiB the first figures measured the
   * compiler as much as the service.
   */
  static Plan full() {
    return new Plan("full", 3, GIB, 4 * GIB, 32, 64 * MIB, 2 * GIB, 200, 500, 5_000, 3);
  }

  static Plan quick() {
    return new Plan("quick", 1, 64 * MIB, 256 * MIB, 32, 4 * MIB, 16 * MIB, 20, 100, 2_000, 1);
  }

  /**
   * The terminate figures alone, as many as the full run measures; the other sizes are only what
   * the sources need to exist.
   */
  static Plan terminate() {
    return new Plan("terminate", 3, GIB, 64 * MIB, 32, 4 * MIB, 16 * MIB, 200, 100, 2_000, 1);
  }

  /** Whether this plan measures the terminate figures and nothing else. */
  boolean terminateOnly() {
    return name.equals("terminate");
  }

  /** Users the benchmark needs: one per concurrent transfer and per slow upload, and spares. */
  int users() {
    return Math.max(wide, slowUploads) + 20;
  }

  /** Disk the run needs at most: the sources, and one stored copy of each at the same time. */
  long diskNeeded() {
    long sources = small + large + wideSize;
    return 2 * sources + 2 * wide * wideSize + 2 * GIB;
  }
}
