package io.filejobs.bench.suite;

import io.filejobs.bench.Console;
import io.filejobs.bench.Plan;
import io.filejobs.bench.client.Connection;
import io.filejobs.bench.client.Requests;
import io.filejobs.bench.report.Figure;
import io.filejobs.bench.report.Figure.Unit;
import io.filejobs.bench.report.Sizes;
import io.filejobs.bench.report.Stats;
import io.filejobs.bench.service.BenchUsers;
import io.filejobs.bench.service.MemoryWindow;
import io.filejobs.bench.service.ServiceNode;
import io.filejobs.bench.service.TempTree;
import io.filejobs.bench.service.Tokens;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Memory with many slow uploads open at once: {@code slowUploads} users each start an upload and
 * then trickle 1 KiB a second into it (well inside the idle timeout), while the service's peak heap
 * and RSS are watched. Every upload is checked to be really running (its temp file exists) before
 * the watch counts; the clients then leave and the temp folder must empty.
 */
public final class SlowUploadsSuite {

  static final String SECTION = SpeedSuite.MEMORY;

  private static final int TRICKLE_BYTES = 1024;
  private static final long TRICKLE_EVERY_MILLIS = 1000;
  private static final long DECLARED = 1L << 30;
  private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final Plan plan;
  private final Tokens tokens;

  public SlowUploadsSuite(Plan plan, Tokens tokens) {
    this.plan = plan;
    this.tokens = tokens;
  }

  public List<Figure> measure(ServiceNode node) throws Exception {
    TempTree temp = new TempTree(node.tempDir());
    List<Double> heap = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    List<Double> cleanup = new ArrayList<>();
    int count = plan.slowUploads();
    for (int run = 0; run < plan.runs(); run++) {
      Set<Path> before = temp.snapshot();
      MemoryWindow window = node.memoryWindow();
      List<Connection> uploads = new ArrayList<>();
      MemoryWindow.Peaks peaks;
      try {
        for (int i = 0; i < count; i++) {
          uploads.add(open(node, BenchUsers.name(i + 1)));
        }
        await(() -> temp.newSince(before).size() == count, count + " temp files");
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(plan.slowHoldMillis());
        while (System.nanoTime() < until) {
          Thread.sleep(TRICKLE_EVERY_MILLIS);
          for (Connection upload : uploads) {
            upload.send(ByteBuffer.allocate(TRICKLE_BYTES));
          }
        }
        if (temp.newSince(before).size() != count) {
          throw new IllegalStateException("slow uploads ended while held open");
        }
        peaks = window.close();
      } finally {
        uploads.forEach(Connection::close);
      }
      long left = System.nanoTime();
      await(() -> temp.newSince(before).isEmpty(), "the temp files to go after the clients left");
      cleanup.add((System.nanoTime() - left) / 1e6);
      heap.add(Sizes.mib(peaks.heapBytes()));
      rss.add(Sizes.mib(peaks.rssBytes()));
      Console.say(
          "%d slow uploads, run %d: peak heap %.0f MiB, peak RSS %.0f MiB",
          count, run + 1, Sizes.mib(peaks.heapBytes()), Sizes.mib(peaks.rssBytes()));
    }
    String detail =
        String.format(
            "all %d running (a temp file each) for %d s, %d B/s each; their temp files gone %s after"
                + " the clients left (median)",
            count,
            plan.slowHoldMillis() / 1000,
            TRICKLE_BYTES,
            Unit.MS.format(Stats.median(cleanup)));
    return List.of(
        new Figure(
            SECTION, "Peak heap with " + count + " slow uploads open", Unit.MIB, heap, detail),
        new Figure(
            SECTION, "Peak RSS with " + count + " slow uploads open", Unit.MIB, rss, "VmHWM"));
  }

  private Connection open(ServiceNode node, String user) throws IOException {
    Connection connection = Connection.small(node.address());
    Requests.Upload form =
        Requests.Upload.of(connection.host(), tokens.token(user), "slow.bin", DECLARED);
    connection.send(form.head(), form.preamble(), ByteBuffer.allocate(TRICKLE_BYTES));
    return connection;
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long start = System.nanoTime();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - start > TIMEOUT_NANOS) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }
}
