package io.filejobs.bench.peer;

import io.filejobs.bench.baseline.BaselineServer;
import io.filejobs.bench.service.ChildProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@link BaselineServer} JVM, started with only the benchmark's classes on its class path. */
public final class Baseline implements AutoCloseable {

  private static final Pattern PORTS = Pattern.compile("receive=(\\d+) discard=(\\d+) send=(\\d+)");

  private final Process process;
  private final int[] ports;

  private Baseline(Process process, int[] ports) {
    this.process = process;
    this.ports = ports;
  }

  /**
   * Starts the baselines: uploads are stored in {@code store}, exports read under {@code
   * exportRoot}; stderr goes to {@code log}.
   */
  public static Baseline start(Path store, Path exportRoot, Path log) throws IOException {
    Path classes =
        Path.of(BaselineServer.class.getProtectionDomain().getCodeSource().getLocation().getPath());
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classes.toString(),
                BaselineServer.class.getName(),
                store.toString(),
                exportRoot.toString())
            .redirectError(log.toFile())
            .start();
    ChildProcesses.register(process);
    // Its stdin stays open for as long as we live: when it closes, the baseline exits.
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    Matcher ports = PORTS.matcher(line == null ? "" : line);
    if (!ports.find()) {
      process.destroyForcibly();
      throw new IOException("the baseline did not start: " + line);
    }
    int[] numbers = new int[3];
    for (int i = 0; i < numbers.length; i++) {
      numbers[i] = Integer.parseInt(ports.group(i + 1));
    }
    return new Baseline(process, numbers);
  }

  /** The upload baseline: into a file. */
  public InetSocketAddress receiver() {
    return loopback(ports[0]);
  }

  /** The upload client's own limit: bytes dropped. */
  public InetSocketAddress discard() {
    return loopback(ports[1]);
  }

  /** The export baseline: {@code transferTo}. */
  public InetSocketAddress sender() {
    return loopback(ports[2]);
  }

  private static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  @Override
  public void close() throws IOException {
    process.getOutputStream().close();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
