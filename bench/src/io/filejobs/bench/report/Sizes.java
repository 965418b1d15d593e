package io.filejobs.bench.report;

/** Byte counts and rates as people read them. */
public final class Sizes {

  private static final double MIB = 1024 * 1024;

  private Sizes() {}

  /** "4 GiB", "64 MiB", "1.5 GiB". */
  public static String bytes(long bytes) {
    if (bytes >= 1L << 30) {
      double gib = bytes / (double) (1L << 30);
      return (gib == Math.rint(gib)
              ? Long.toString((long) gib)
              : String.format(java.util.Locale.ROOT, "%.1f", gib))
          + " GiB";
    }
    return Math.round(bytes / MIB) + " MiB";
  }

  public static double mib(long bytes) {
    return bytes / MIB;
  }

  public static double mibPerSecond(long bytes, long nanos) {
    return bytes / MIB / (nanos / 1e9);
  }
}
