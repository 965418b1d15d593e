package io.filejobs.bench.suite;

import io.filejobs.bench.Console;
import io.filejobs.bench.report.Figure;
import io.filejobs.bench.report.Figure.Unit;
import io.filejobs.bench.service.BenchUsers;
import io.filejobs.bench.service.Launch;
import io.filejobs.bench.service.ServiceNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Start-up time: from launching {@code java -jar filejobs.jar} to the answer of its first
 * successful real signin (tried every 5 ms), with no JVM flags and a small users file.
 */
public final class StartupSuite {

  static final String SECTION = "Start-up (JVM launch → first successful signin)";

  private StartupSuite() {}

  /** Starts and stops {@code count} fresh nodes, one at a time. */
  public static Figure measure(Path jar, int count, IntFunction<Launch> launch) throws Exception {
    List<Double> seconds = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      try (ServiceNode node = start(jar, launch.apply(i))) {
        seconds.add(node.startupNanos() / 1e9);
        Console.say("start-up %d: %.2f s", i + 1, node.startupNanos() / 1e9);
      }
    }
    return new Figure(
        SECTION,
        "Start-up, 1 node",
        Unit.S,
        seconds,
        "no JVM flags; 3 users; signin polled every 5 ms");
  }

  /** A node started for the benchmark, signing in as the first benchmark user. */
  public static ServiceNode start(Path jar, Launch launch) throws Exception {
    String user = BenchUsers.name(1);
    return ServiceNode.start(jar, launch, user, BenchUsers.password(user));
  }

  /** The figure of cluster members started together (their start-up as it happened). */
  public static Figure clustered(List<ServiceNode> nodes) {
    List<Double> seconds = new ArrayList<>();
    nodes.forEach(node -> seconds.add(node.startupNanos() / 1e9));
    return new Figure(
        SECTION,
        "Start-up, clustered node",
        Unit.S,
        seconds,
        nodes.size() + " members launched together (one sample each)");
  }
}
