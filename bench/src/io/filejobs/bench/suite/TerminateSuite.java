package io.filejobs.bench.suite;

import io.filejobs.bench.Console;
import io.filejobs.bench.Plan;
import io.filejobs.bench.SourceFile;
import io.filejobs.bench.Sources;
import io.filejobs.bench.client.Closing;
import io.filejobs.bench.client.Connection;
import io.filejobs.bench.client.Requests;
import io.filejobs.bench.client.RunningExport;
import io.filejobs.bench.client.RunningUpload;
import io.filejobs.bench.http.Wire;
import io.filejobs.bench.report.Figure;
import io.filejobs.bench.report.Figure.Unit;
import io.filejobs.bench.report.Goal;
import io.filejobs.bench.report.Stats;
import io.filejobs.bench.service.BenchUsers;
import io.filejobs.bench.service.ServiceNode;
import io.filejobs.bench.service.TempTree;
import io.filejobs.bench.service.Tokens;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Terminate latency: from the first byte of the terminate request leaving the client to the moment
 * the transfer is really over as the outside world sees it. For an upload that is both the client
 * seeing its upload's connection closed and the upload's temp file being gone; for an export, the
 * client seeing the connection closed. The transfers run at full speed when terminated, after a
 * random extra moment so that the terminate lands anywhere in the flow.
 *
 * <p>A close is noted by the client's own threads the moment a read or write returns it; the
 * benchmark sleeps until then, so that it takes no CPU from the service while it is timed. Then the
 * upload's temp file is looked for, and again every {@value #POLL_MICROS} µs while it is still
 * there. That file is the one that appeared in the node's temp folder (sub-folders included) when
 * the upload began.
 */
public final class TerminateSuite {

  /** The {@code where} of {@link #measure} for one node, and for a cluster of two. */
  public static final String ONE_NODE = "1 node";

  public static final String TWO_NODES = "2 nodes (terminate sent to the other node)";

  static final String SECTION =
      "Terminate latency (request sent → connection closed and temp file gone)";

  private static final long POLL_MICROS = 100;

  /** A terminated upload declares this much: far more than it ever sends. */
  private static final long DECLARED = 8L << 30;

  /** Bytes that must have reached the temp file (or the export client) before terminating. */
  private static final long FLOWING = 1 << 20;

  private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);

  /** Terminations take turns among this many users. */
  private static final int USERS = 4;

  private final Plan plan;
  private final Tokens tokens;
  private final SourceFile exported;
  private final ByteBuffer noise = noise();

  public TerminateSuite(Plan plan, Tokens tokens, SourceFile exported) {
    this.plan = plan;
    this.tokens = tokens;
    this.exported = exported;
  }

  /**
   * The terminate figures of transfers running on {@code worker}, terminated through {@code
   * control} (the same node, or another node of its cluster).
   */
  public List<Figure> measure(String where, ServiceNode worker, ServiceNode control)
      throws Exception {
    Latencies uploads = new Latencies();
    Latencies exports = new Latencies();
    try (Controls controls = new Controls(control)) {
      for (int u = 0; u < USERS; u++) {
        controls.connection(user(u)); // opened before anything is timed
      }
      Latencies warmup = new Latencies();
      warmup.startRun();
      // As many unmeasured terminations of each kind as a run has: with only 20, the first run's
      // p99 was about twice the others' (the terminate path still being compiled).
      for (int i = 0; i < plan.terminations(); i++) {
        terminateUpload(worker, controls, user(i), i, warmup);
        terminateExport(worker, controls, user(i), warmup);
      }
      for (int run = 0; run < plan.runs(); run++) {
        uploads.startRun();
        exports.startRun();
        for (int i = 0; i < plan.terminations(); i++) {
          terminateUpload(worker, controls, user(i), i, uploads);
        }
        for (int i = 0; i < plan.terminations(); i++) {
          terminateExport(worker, controls, user(i), exports);
        }
        Console.say(
            "terminate, %s, run %d: upload p50 %.2f ms p99 %.2f ms; export p50 %.2f ms"
                + " p99 %.2f ms",
            where,
            run + 1,
            uploads.lastRun(50),
            uploads.lastRun(99),
            exports.lastRun(50),
            exports.lastRun(99));
      }
    }
    List<Figure> figures = new ArrayList<>();
    figures.addAll(uploads.figures("Upload terminate", where, true));
    figures.addAll(exports.figures("Export terminate", where, false));
    return figures;
  }

  private static String user(int i) {
    return BenchUsers.name(1 + i % USERS);
  }

  private void terminateUpload(
      ServiceNode worker, Controls controls, String user, int i, Latencies latencies)
      throws Exception {
    TempTree temp = new TempTree(worker.tempDir());
    Set<Path> before = temp.snapshot();
    try (RunningUpload upload =
        RunningUpload.start(
            worker.address(), tokens.token(user), "terminate-" + i + ".bin", noise, DECLARED)) {
      Path part = awaitTempFile(temp, before, upload.closing());
      String terminate = Requests.terminateUpload(controls.host(), tokens.token(user));
      pauseRandomly();
      long sent = System.nanoTime();
      controls.send(user, terminate);
      long closed = awaitClose(upload.closing(), "an upload");
      // The temp file may have gone before the close: then the first look finds it gone, and its
      // end is taken as the time (an upper bound, by the µs of one look).
      boolean goneByClose = true;
      while (Files.exists(part)) {
        goneByClose = false;
        if (System.nanoTime() - sent > TIMEOUT_NANOS) {
          throw new IllegalStateException(
              "the temp file of an upload terminated "
                  + TIMEOUT_NANOS / 1_000_000_000
                  + " s ago is still there: "
                  + part);
        }
        LockSupport.parkNanos(POLL_MICROS * 1000);
      }
      long gone = System.nanoTime();
      controls.expectOk(user, "upload terminate");
      latencies.add((Math.max(closed, gone) - sent) / 1e6, goneByClose);
    }
  }

  private void terminateExport(
      ServiceNode worker, Controls controls, String user, Latencies latencies) throws Exception {
    try (RunningExport export =
        RunningExport.start(worker.address(), tokens.token(user), Sources.exportName(exported))) {
      awaitFlowing("the export to flow", () -> export.received() >= FLOWING, export.closing());
      String terminate = Requests.terminateExport(controls.host(), tokens.token(user));
      pauseRandomly();
      long sent = System.nanoTime();
      controls.send(user, terminate);
      long closed = awaitClose(export.closing(), "an export");
      if (export.complete()) {
        Connection.Answer answer = controls.connection(user).readAnswer();
        throw new IllegalStateException(
            "an export ended before it was terminated ("
                + ((System.nanoTime() - sent) / 1_000_000)
                + " ms after the terminate was sent; it answered "
                + answer.status()
                + ": "
                + answer.body()
                + ")");
      }
      controls.expectOk(user, "export terminate");
      latencies.add((closed - sent) / 1e6, true);
    }
  }

  /** Sleeps until the client sees the connection closed; its time. */
  private static long awaitClose(Closing closing, String what) throws InterruptedException {
    long closed = closing.await(TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
    if (closed == 0) {
      throw new IllegalStateException(
          "the connection of "
              + what
              + " terminated "
              + TIMEOUT_NANOS / 1_000_000_000
              + " s ago is still open");
    }
    return closed;
  }

  /**
   * Waits (looking every ms) until the upload's temp file, a file new in the tree since {@code
   * before}, holds {@link #FLOWING} bytes; fails if the upload closes first.
   */
  private static Path awaitTempFile(TempTree temp, Set<Path> before, Closing closing)
      throws InterruptedException {
    Path[] part = {null};
    awaitFlowing(
        "the upload's temp file to fill",
        () -> {
          temp.newSince(before)
              .forEach(
                  (file, size) -> {
                    if (size >= FLOWING) {
                      part[0] = file;
                    }
                  });
          return part[0] != null;
        },
        closing);
    return part[0];
  }

  /** Waits (looking every ms) until the transfer flows; fails if it closes first. */
  private static void awaitFlowing(String what, BooleanSupplier flowing, Closing closing)
      throws InterruptedException {
    long start = System.nanoTime();
    while (!flowing.getAsBoolean()) {
      if (closing.at() != 0) {
        throw new IllegalStateException("the connection closed while waiting for " + what);
      }
      if (System.nanoTime() - start > TIMEOUT_NANOS) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(1);
    }
  }

  /** Up to 2 ms more, so that terminates land at all points of the transfer's flow. */
  private static void pauseRandomly() {
    LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(2_000_000));
  }

  private static ByteBuffer noise() {
    byte[] bytes = new byte[Wire.BUFFER];
    new SplittableRandom(11).nextBytes(bytes);
    return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
  }

  /** The latencies of one kind, run by run. */
  private final class Latencies {
    private final List<List<Double>> runs = new ArrayList<>();
    private int goneByClose;

    void startRun() {
      runs.add(new ArrayList<>());
    }

    /**
     * @param beforeClose whether the temp file (if any) was already gone when the connection closed
     */
    void add(double millis, boolean beforeClose) {
      runs.get(runs.size() - 1).add(millis);
      goneByClose += beforeClose ? 1 : 0;
    }

    double lastRun(double percentile) {
      return Stats.percentile(runs.get(runs.size() - 1), percentile);
    }

    List<Figure> figures(String what, String where, boolean tempFiles) {
      List<Double> p50 = new ArrayList<>();
      List<Double> p99 = new ArrayList<>();
      List<Double> all = new ArrayList<>();
      for (List<Double> run : runs) {
        p50.add(Stats.percentile(run, 50));
        p99.add(Stats.percentile(run, 99));
        all.addAll(run);
      }
      String pooled =
          String.format(
                  "%d × %d terminations; all together: p50 %s, p99 %s, max %s",
                  runs.size(),
                  plan.terminations(),
                  Unit.MS.format(Stats.percentile(all, 50)),
                  Unit.MS.format(Stats.percentile(all, 99)),
                  Unit.MS.format(Stats.max(all)))
              + (tempFiles
                  ? String.format(
                      "; temp file already gone when the connection closed: %d of %d",
                      goneByClose, all.size())
                  : "");
      return List.of(
          new Figure(SECTION, what + " p50, " + where, Unit.MS, p50, pooled),
          new Figure(SECTION, what + " p99, " + where, Unit.MS, p99, pooled, Goal.below(10, "ms")));
    }
  }

  /**
   * One kept-alive connection per user to the node that takes the terminates, opened before
   * anything is timed: a client that terminates has talked to the service before, and a connect is
   * not what this figure is about.
   */
  private static final class Controls implements AutoCloseable {
    private final ServiceNode node;
    private final Map<String, Connection> connections = new HashMap<>();

    Controls(ServiceNode node) {
      this.node = node;
    }

    String host() {
      return node.address().getAddress().getHostAddress() + ":" + node.address().getPort();
    }

    void send(String user, String request) throws IOException {
      connection(user).send(request);
    }

    void expectOk(String user, String what) throws IOException {
      Connection.Answer answer = connection(user).readAnswer();
      if (answer.status() != 200) {
        throw new IllegalStateException(
            what + " answered " + answer.status() + ": " + answer.body());
      }
    }

    Connection connection(String user) throws IOException {
      Connection connection = connections.get(user);
      if (connection == null) {
        connection = Connection.small(node.address());
        connections.put(user, connection);
      }
      return connection;
    }

    @Override
    public void close() {
      connections.values().forEach(Connection::close);
    }
  }
}
