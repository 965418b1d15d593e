package io.filejobs.bench.service;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The peak memory of a service JVM over a stretch of time (one transfer, or the 500 slow uploads).
 *
 * <ul>
 *   <li><b>Peak RSS</b>: {@code VmHWM} of {@code /proc/<pid>/status}, after resetting it at the
 *       window's start by writing {@code 5} to {@code /proc/<pid>/clear_refs}.
 *   <li><b>Peak heap</b>: between two collections the heap only grows, so its peak in the window is
 *       the largest "before" figure of the collections logged in it ({@code -Xlog:gc}, lines like
 *       {@code Pause Young ... 40M->5M(64M)}), or the heap in use at the window's end ({@code jcmd
 *       <pid> GC.heap_info}) if that is larger.
 * </ul>
 */
public final class MemoryWindow {

  /** The peaks of one window, in bytes, and how many collections it saw. */
  public record Peaks(long heapBytes, long rssBytes, int collections) {}

  private static final Pattern GC_LINE = Pattern.compile("(\\d+)([KMG])->\\d+[KMG]\\(\\d+[KMG]\\)");
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private final long pid;
  private final Path gcLog;
  private final long gcLogMark;

  private MemoryWindow(long pid, Path gcLog, long gcLogMark) {
    this.pid = pid;
    this.gcLog = gcLog;
    this.gcLogMark = gcLogMark;
  }

  static MemoryWindow open(long pid, Path gcLog) {
    try {
      Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
      return new MemoryWindow(pid, gcLog, Files.size(gcLog));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot watch the memory of process " + pid, e);
    }
  }

  public Peaks close() throws IOException, InterruptedException {
    long rss = statusKib("VmHWM:") * 1024;
    long heap = heapInUse();
    int collections = 0;
    try (RandomAccessFile log = new RandomAccessFile(gcLog.toFile(), "r")) {
      log.seek(gcLogMark);
      byte[] added = new byte[(int) (log.length() - gcLogMark)];
      log.readFully(added);
      Matcher before = GC_LINE.matcher(new String(added, StandardCharsets.UTF_8));
      while (before.find()) {
        collections++;
        heap = Math.max(heap, bytes(Long.parseLong(before.group(1)), before.group(2)));
      }
    }
    return new Peaks(heap, rss, collections);
  }

  private long statusKib(String field) throws IOException {
    List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
    for (String line : status) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IOException(field + " not in /proc/" + pid + "/status");
  }

  /** The heap in use now, by {@code jcmd <pid> GC.heap_info}. */
  private long heapInUse() throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process process =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info")
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor();
    Matcher used = HEAP_USED.matcher(output);
    if (!used.find()) {
      throw new IOException("jcmd GC.heap_info said: " + output);
    }
    return Long.parseLong(used.group(1)) * 1024;
  }

  private static long bytes(long amount, String unit) {
    return switch (unit) {
      case "K" -> amount << 10;
      case "M" -> amount << 20;
      default -> amount << 30;
    };
  }
}
