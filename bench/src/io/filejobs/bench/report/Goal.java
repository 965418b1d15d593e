package io.filejobs.bench.report;

/** A figure's target from issue 6, judged on the figure's median. */
public record Goal(String text, double bound, boolean atLeast) {

  public static Goal atLeast(double bound) {
    return new Goal("≥ " + bound, bound, true);
  }

  public static Goal below(double bound, String unit) {
    return new Goal("< " + (long) bound + " " + unit, bound, false);
  }

  public boolean met(double value) {
    return atLeast ? value >= bound : value < bound;
  }
}
