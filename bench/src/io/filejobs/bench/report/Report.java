package io.filejobs.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The results: a table for the terminal, and {@code BENCHMARKS.md}. */
public final class Report {

  static final String TUNING_LOG = "## Tuning log";

  private static final String TUNING_PLACEHOLDER =
      TUNING_LOG
          + "\n\n"
          + "What was tried, and what each change did to the figures above (kept by `bench/run`"
          + " when it rewrites this file).\n\n"
          + "| Change | Figures before → after | Kept? |\n"
          + "|---|---|---|\n"
          + "| _(none yet)_ | | |\n";

  /** Facts about the run, as label and value, in order. */
  private final Map<String, String> facts = new LinkedHashMap<>();

  private final List<Figure> figures;
  private final List<String> method;

  /**
   * @param method how each figure is measured, one paragraph each
   */
  public Report(List<Figure> figures, List<String> method) {
    this.figures = List.copyOf(figures);
    this.method = List.copyOf(method);
  }

  public Report fact(String label, String value) {
    facts.put(label, value);
    return this;
  }

  /** The figures as an aligned table. */
  public String table() {
    int nameWidth = figures.stream().mapToInt(f -> f.name().length()).max().orElse(10);
    StringBuilder out = new StringBuilder();
    String section = null;
    for (Figure figure : figures) {
      if (!figure.section().equals(section)) {
        section = figure.section();
        out.append('\n').append(section).append('\n');
      }
      out.append(
          String.format(
              "  %-" + nameWidth + "s  %12s  %-25s %-10s %s%n",
              figure.name(),
              figure.medianText(),
              figure.rangeText(),
              figure.goalText(),
              figure.verdict()));
    }
    out.append('\n').append(summary()).append('\n');
    return out.toString();
  }

  private String summary() {
    long goals = figures.stream().filter(f -> f.goal() != null).count();
    List<String> failed = new ArrayList<>();
    figures.stream().filter(f -> f.verdict().equals("FAIL")).forEach(f -> failed.add(f.name()));
    return (goals - failed.size())
        + " of "
        + goals
        + " targets met"
        + (failed.isEmpty() ? "." : "; missed: " + String.join("; ", failed) + ".");
  }

  /** Writes the markdown report, keeping the tuning log of the file it replaces. */
  public void write(Path file) throws IOException {
    Files.writeString(file, markdown(keptTuningLog(file)));
  }

  private static String keptTuningLog(Path file) throws IOException {
    if (!Files.exists(file)) {
      return TUNING_PLACEHOLDER;
    }
    String old = Files.readString(file);
    int at = old.indexOf(TUNING_LOG);
    return at < 0 ? TUNING_PLACEHOLDER : old.substring(at).stripTrailing() + "\n";
  }

  private String markdown(String tuningLog) {
    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks\n\n")
        .append(
            "Written by `bench/run` (issue 6); only the *Tuning log* at the end is edited by"
                + " hand. Each figure is the **median** over its runs with the **range** (min – max)"
                + " across them. Every speed is a **ratio**: the service's throughput over a"
                + " baseline's for the same bytes, measured in the same run on the same machine, so"
                + " that the machine's own speed and noise cancel out. Targets (from issue 6) are"
                + " judged on the median.\n\n");
    md.append("## This run\n\n| | |\n|---|---|\n");
    facts.forEach(
        (label, value) ->
            md.append("| ")
                .append(label)
                .append(" | ")
                .append(value.replace("|", "\\|"))
                .append(" |\n"));
    md.append("\n## Figures\n\n").append(summary()).append("\n");
    String section = null;
    for (Figure figure : figures) {
      if (!figure.section().equals(section)) {
        section = figure.section();
        md.append("\n### ")
            .append(section)
            .append("\n\n")
            .append(
                "| Figure | Median | Range (min – max) | Runs | Target | Result | Compared"
                    + " with, notes |\n")
            .append("|---|---:|---|---:|---|---|---|\n");
      }
      md.append("| ")
          .append(figure.name())
          .append(" | ")
          .append(figure.medianText())
          .append(" | ")
          .append(figure.rangeText())
          .append(" | ")
          .append(figure.runs().size())
          .append(" | ")
          .append(figure.goalText())
          .append(" | ")
          .append(figure.verdict().equals("FAIL") ? "**FAIL**" : figure.verdict())
          .append(" | ")
          .append(figure.detail())
          .append(" |\n");
    }
    md.append("\n## How it is measured\n\n");
    method.forEach(paragraph -> md.append("- ").append(paragraph).append('\n'));
    md.append('\n').append(tuningLog);
    return md.toString();
  }
}
