package io.filejobs.bench.suite;

import io.filejobs.bench.Console;
import io.filejobs.bench.Plan;
import io.filejobs.bench.SourceFile;
import io.filejobs.bench.Sources;
import io.filejobs.bench.Workspace;
import io.filejobs.bench.client.ExportClient;
import io.filejobs.bench.client.UploadClient;
import io.filejobs.bench.peer.Peer;
import io.filejobs.bench.report.Figure;
import io.filejobs.bench.report.Figure.Unit;
import io.filejobs.bench.report.Goal;
import io.filejobs.bench.report.Sizes;
import io.filejobs.bench.report.Stats;
import io.filejobs.bench.service.BenchUsers;
import io.filejobs.bench.service.MemoryWindow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The speed figures: single uploads and exports of the two large files, and {@code wide} concurrent
 * ones of many users, each as the service's throughput over the baseline's for the same bytes in
 * the same run. A second service started with {@code -Xmx64m} and a GC log also takes the large
 * transfers: its memory during them is the memory figure, its speed a ratio of its own.
 */
public final class SpeedSuite {

  static final String SECTION = "Speed (service ÷ baseline, higher is better)";
  static final String MEMORY = "Memory (service with -Xmx64m)";

  /** Who uploads and exports in the single-transfer figures. */
  private static final String SOLO = BenchUsers.name(1);

  private final Plan plan;
  private final Workspace work;
  private final Sources sources;
  private final Peer baseline;
  private final Peer service;
  private final Peer smallHeap;
  private final List<Figure> figures = new ArrayList<>();
  private final Map<String, Double> baselineMedians = new HashMap<>();
  private final Map<String, Double> serviceMedians = new HashMap<>();

  public SpeedSuite(
      Plan plan, Workspace work, Sources sources, Peer baseline, Peer service, Peer smallHeap) {
    this.plan = plan;
    this.work = work;
    this.sources = sources;
    this.baseline = baseline;
    this.service = service;
    this.smallHeap = smallHeap;
  }

  public List<Figure> run() throws Exception {
    warmUp();
    single("Upload", sources.small(), List.of(service), this::uploadOnce);
    single("Upload", sources.large(), List.of(service, smallHeap), this::uploadOnce);
    single("Export", sources.small(), List.of(service), this::exportOnce);
    single("Export", sources.large(), List.of(service, smallHeap), this::exportOnce);
    wide("Upload", 0.9, this::uploadWide);
    wide("Export", 0.95, this::exportWide);
    return figures;
  }

  /** The services are measured warm, as a server in production is: JIT-compiled, pools filled. */
  private void warmUp() throws Exception {
    int rounds = (int) Math.max(1, plan.warmup() / plan.wideSize());
    Console.say(
        "warm-up: %d uploads and exports of %s per server", rounds, Sizes.bytes(plan.wideSize()));
    for (Peer peer : List.of(baseline, service, smallHeap)) {
      for (int i = 0; i < rounds; i++) {
        uploadOnce(peer, sources.wide());
        exportOnce(peer, sources.wide());
      }
    }
  }

  /** What one single transfer does: one peer, one source. */
  @FunctionalInterface
  private interface Transfer {
    Alternating.Sample run(Peer peer, SourceFile source) throws Exception;
  }

  private void single(String kind, SourceFile source, List<Peer> services, Transfer transfer)
      throws Exception {
    List<Peer> peers = new ArrayList<>();
    peers.add(baseline);
    peers.addAll(services);
    String what = kind + " " + Sizes.bytes(source.size()) + ", 1 client";
    Map<Peer, List<Alternating.Sample>> samples =
        Alternating.measure(
            peers, plan.runs(), work::settleDisk, peer -> transfer.run(peer, source));
    say(what, samples);
    baselineMedians.put(what, Stats.median(speeds(samples.get(baseline))));
    serviceMedians.put(what, Stats.median(speeds(samples.get(service))));
    double goal = kind.equals("Upload") ? 0.9 : 0.95;
    for (Peer peer : services) {
      String name = peer == smallHeap ? what + ", service with -Xmx64m" : what;
      figures.add(ratio(name, samples.get(baseline), samples.get(peer), goal));
      if (peer == smallHeap) {
        memoryFigures(kind, source, samples.get(peer));
      }
    }
  }

  /** One progress line per run: each peer's speed. */
  private void say(String what, Map<Peer, List<Alternating.Sample>> samples) {
    for (int run = 0; run < plan.runs(); run++) {
      StringBuilder line = new StringBuilder(what).append(", run ").append(run + 1).append(':');
      for (Map.Entry<Peer, List<Alternating.Sample>> peer : samples.entrySet()) {
        Alternating.Sample sample = peer.getValue().get(run);
        line.append(
            String.format(
                " %s %.0f MiB/s;",
                peer.getKey().label(), Sizes.mibPerSecond(sample.bytes(), sample.nanos())));
      }
      Console.say("%s", line.substring(0, line.length() - 1));
    }
  }

  /** The baseline's median speed (MiB/s) of a single transfer measured by {@link #run()}. */
  public double baselineMedian(String kind, SourceFile source) {
    return baselineMedians.get(kind + " " + Sizes.bytes(source.size()) + ", 1 client");
  }

  /** The service's median speed (MiB/s) of a single transfer measured by {@link #run()}. */
  public double serviceMedian(String kind, SourceFile source) {
    return serviceMedians.get(kind + " " + Sizes.bytes(source.size()) + ", 1 client");
  }

  private static List<Double> speeds(List<Alternating.Sample> samples) {
    List<Double> speeds = new ArrayList<>();
    samples.forEach(sample -> speeds.add(Sizes.mibPerSecond(sample.bytes(), sample.nanos())));
    return speeds;
  }

  private Alternating.Sample uploadOnce(Peer peer, SourceFile source) throws Exception {
    String name = "up-" + source.path().getFileName();
    Optional<MemoryWindow> window = peer.memoryWindow();
    UploadClient.Result result = peer.upload(SOLO, name, source);
    MemoryWindow.Peaks peaks = window.isPresent() ? window.get().close() : null;
    peer.checkAndRemoveUpload(SOLO, name, result, source);
    return new Alternating.Sample(result.nanos(), result.bytes(), peaks);
  }

  private Alternating.Sample exportOnce(Peer peer, SourceFile source) throws Exception {
    Optional<MemoryWindow> window = peer.memoryWindow();
    ExportClient.Result result = peer.export(SOLO, Sources.exportName(source));
    MemoryWindow.Peaks peaks = window.isPresent() ? window.get().close() : null;
    Peer.checkExport(peer, result, source);
    return new Alternating.Sample(result.nanos(), result.bytes(), peaks);
  }

  private void wide(String kind, double goal, Alternating.Step step) throws Exception {
    String what =
        kind
            + " "
            + plan.wide()
            + " × "
            + Sizes.bytes(plan.wideSize())
            + ", "
            + plan.wide()
            + " users at once";
    Map<Peer, List<Alternating.Sample>> samples =
        Alternating.measure(List.of(baseline, service), plan.runs(), work::settleDisk, step);
    say(what, samples);
    figures.add(ratio(what, samples.get(baseline), samples.get(service), goal));
  }

  private Alternating.Sample uploadWide(Peer peer) throws Exception {
    SourceFile source = sources.wide();
    Concurrently.Outcome<UploadClient.Result> outcome =
        Concurrently.run(plan.wide(), i -> () -> peer.upload(user(i), "up-wide.bin", source));
    for (int i = 0; i < plan.wide(); i++) {
      peer.checkAndRemoveUpload(user(i), "up-wide.bin", outcome.results().get(i), source);
    }
    return new Alternating.Sample(outcome.nanos(), plan.wide() * source.size(), null);
  }

  private Alternating.Sample exportWide(Peer peer) throws Exception {
    SourceFile source = sources.wide();
    Concurrently.Outcome<ExportClient.Result> outcome =
        Concurrently.run(plan.wide(), i -> () -> peer.export(user(i), Sources.exportName(source)));
    for (ExportClient.Result result : outcome.results()) {
      Peer.checkExport(peer, result, source);
    }
    return new Alternating.Sample(outcome.nanos(), plan.wide() * source.size(), null);
  }

  /** The i-th (from 0) of the concurrent users. */
  static String user(int i) {
    return BenchUsers.name(i + 1);
  }

  /** Run by run, the baseline's time over the service's: the service's share of the speed. */
  private Figure ratio(
      String name, List<Alternating.Sample> base, List<Alternating.Sample> measured, double goal) {
    List<Double> ratios = new ArrayList<>();
    for (int run = 0; run < base.size(); run++) {
      ratios.add(base.get(run).nanos() / (double) measured.get(run).nanos());
    }
    String detail =
        String.format(
            "service %s vs baseline %s (medians)",
            Unit.MIB_PER_S.format(Stats.median(speeds(measured))),
            Unit.MIB_PER_S.format(Stats.median(speeds(base))));
    return new Figure(SECTION, name, Unit.RATIO, ratios, detail, Goal.atLeast(goal));
  }

  private void memoryFigures(String kind, SourceFile source, List<Alternating.Sample> samples) {
    List<Double> heap = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    int collections = 0;
    for (Alternating.Sample sample : samples) {
      heap.add(Sizes.mib(sample.peaks().heapBytes()));
      rss.add(Sizes.mib(sample.peaks().rssBytes()));
      collections += sample.peaks().collections();
    }
    String during = "during the " + Sizes.bytes(source.size()) + " " + kind.toLowerCase();
    figures.add(
        new Figure(
            MEMORY,
            "Peak heap " + during,
            Unit.MIB,
            heap,
            collections + " collections in " + samples.size() + " run(s); heap limit 64 MiB"));
    figures.add(new Figure(MEMORY, "Peak RSS " + during, Unit.MIB, rss, "VmHWM"));
  }
}
