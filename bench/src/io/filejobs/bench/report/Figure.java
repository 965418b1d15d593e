package io.filejobs.bench.report;

import java.util.List;
import java.util.Locale;

/**
 * One line of the results: a value per run, reported as median and range, with what it is compared
 * to ({@code detail}) and, when issue 6 sets one, its {@link Goal}.
 */
public record Figure(
    String section, String name, Unit unit, List<Double> runs, String detail, Goal goal) {

  /** How a figure's values read. */
  public enum Unit {
    RATIO("×", 2),
    MS("ms", 2),
    S("s", 2),
    MIB("MiB", 0),
    MIB_PER_S("MiB/s", 0);

    final String symbol;
    final int decimals;

    Unit(String symbol, int decimals) {
      this.symbol = symbol;
      this.decimals = decimals;
    }

    public String format(double value) {
      String number = String.format(Locale.ROOT, "%." + decimals + "f", value);
      return this == RATIO ? number : number + " " + symbol;
    }
  }

  public Figure {
    runs = List.copyOf(runs);
  }

  public Figure(String section, String name, Unit unit, List<Double> runs, String detail) {
    this(section, name, unit, runs, detail, null);
  }

  public double median() {
    return Stats.median(runs);
  }

  public String medianText() {
    return unit.format(median());
  }

  public String rangeText() {
    return runs.size() < 2
        ? "-"
        : unit.format(Stats.min(runs)) + " – " + unit.format(Stats.max(runs));
  }

  public String goalText() {
    return goal == null ? "" : goal.text();
  }

  /** "pass", "FAIL", or empty when the figure has no target. */
  public String verdict() {
    return goal == null ? "" : goal.met(median()) ? "pass" : "FAIL";
  }
}
