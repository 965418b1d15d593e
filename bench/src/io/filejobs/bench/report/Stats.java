package io.filejobs.bench.report;

import java.util.Arrays;
import java.util.List;

/** Median, range and percentiles. */
public final class Stats {

  private Stats() {}

  public static double median(List<Double> values) {
    double[] sorted = sorted(values);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  public static double min(List<Double> values) {
    return sorted(values)[0];
  }

  public static double max(List<Double> values) {
    double[] sorted = sorted(values);
    return sorted[sorted.length - 1];
  }

  /** The nearest-rank percentile: the smallest value with at least p % of values at or below. */
  public static double percentile(List<Double> values, double p) {
    double[] sorted = sorted(values);
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }

  private static double[] sorted(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values");
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    return sorted;
  }
}
