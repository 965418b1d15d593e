package io.filejobs.bench;

import io.filejobs.bench.peer.Baseline;
import io.filejobs.bench.peer.BaselinePeer;
import io.filejobs.bench.peer.ServicePeer;
import io.filejobs.bench.report.Figure;
import io.filejobs.bench.report.Machine;
import io.filejobs.bench.report.Report;
import io.filejobs.bench.report.Sizes;
import io.filejobs.bench.service.BenchUsers;
import io.filejobs.bench.service.FreePorts;
import io.filejobs.bench.service.Launch;
import io.filejobs.bench.service.ServiceNode;
import io.filejobs.bench.service.Tokens;
import io.filejobs.bench.suite.ClientCheck;
import io.filejobs.bench.suite.SlowUploadsSuite;
import io.filejobs.bench.suite.SpeedSuite;
import io.filejobs.bench.suite.StartupSuite;
import io.filejobs.bench.suite.TerminateSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The benchmark of issue 6, run by {@code bench/run}: starts the service and the baselines as child
 * JVMs on loopback, measures every figure, prints the table and writes {@code BENCHMARKS.md}.
 *
 * <p>Arguments: {@code --project <dir> --jar <filejobs.jar> --work <dir> [--quick | --terminate]
 * [--started-ms <epoch ms>] [--command <text>]}. The work folder must be on the project's disk (not
 * tmpfs); everything made inside it is deleted at the end.
 */
public final class Bench {

  private final Plan plan;
  private final Path jar;
  private final Workspace work;
  private final String secret = secret();
  private final Tokens tokens = new Tokens(secret);
  private final List<Figure> figures = new ArrayList<>();
  private Sources sources;

  private Bench(Plan plan, Path jar, Workspace work) {
    this.plan = plan;
    this.jar = jar;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    Arguments arguments = Arguments.parse(args);
    Plan plan =
        switch (arguments.plan()) {
          case "quick" -> Plan.quick();
          case "terminate" -> Plan.terminate();
          default -> Plan.full();
        };
    Workspace work = new Workspace(arguments.work()).create();
    Bench bench = new Bench(plan, arguments.jar(), work);
    Machine machine = Machine.describe(work.root(), arguments.project());
    try {
      bench.checkDisk();
      bench.run();
    } finally {
      work.delete();
    }
    long wallMillis = System.currentTimeMillis() - arguments.startedMillis();
    Report report = bench.report(machine, arguments.command(), wallMillis);
    System.out.println(report.table());
    Path out =
        plan.name().equals("full")
            ? arguments.project().resolve("BENCHMARKS.md")
            : arguments.project().resolve("target").resolve("BENCHMARKS-" + plan.name() + ".md");
    report.write(out);
    Console.say("wrote %s (%d s since the command started)", out, wallMillis / 1000);
  }

  private void checkDisk() throws Exception {
    long free = Files.getFileStore(work.root()).getUsableSpace();
    if (free < plan.diskNeeded()) {
      throw new IllegalStateException(
          "the work folder's disk has "
              + Sizes.bytes(free)
              + " free; the "
              + plan.name()
              + " run needs "
              + Sizes.bytes(plan.diskNeeded()));
    }
  }

  private void run() throws Exception {
    Console.say(
        "%s run: %d run(s) per figure; sources %s, %s and %d × %s",
        plan.name(),
        plan.runs(),
        Sizes.bytes(plan.small()),
        Sizes.bytes(plan.large()),
        plan.wide(),
        Sizes.bytes(plan.wideSize()));
    sources = Sources.generate(work.sources(), plan);
    work.settleDisk(); // the sources on disk before anything is timed
    for (int i = 0; i < Math.max(plan.wide(), 4); i++) {
      sources.linkInto(work.uploads(), BenchUsers.name(i + 1));
    }
    Path users = BenchUsers.write(work.file("users.json"), plan.users());
    Path fewUsers = BenchUsers.write(work.file("startup-users.json"), 3);
    Console.say("sources generated; %d users", plan.users());
    if (plan.terminateOnly()) {
      runTerminate(users);
      return;
    }

    figures.add(
        StartupSuite.measure(
            jar,
            plan.startups(),
            i ->
                Launch.plain(
                    "startup-" + i,
                    work.node("startup-" + i),
                    work.file("startup-uploads"),
                    fewUsers,
                    secret)));

    TerminateSuite terminate = new TerminateSuite(plan, tokens, sources.small());
    try (Baseline baseline =
            Baseline.start(work.baselineStore(), work.uploads(), work.file("baseline.log"));
        ServiceNode service = start(plain("service", users))) {
      try (ServiceNode smallHeap = start(plain("service-64m", users).withSmallHeap("64m"))) {
        SpeedSuite speed =
            new SpeedSuite(
                plan,
                work,
                sources,
                new BaselinePeer(baseline, tokens),
                new ServicePeer("service", service, tokens, work.uploads()),
                new ServicePeer("service -Xmx64m", smallHeap, tokens, work.uploads()));
        figures.addAll(speed.run());
        SourceFile small = sources.small();
        figures.addAll(
            new ClientCheck(plan, baseline, tokens, small, work)
                .measure(
                    new ClientCheck.Measured(
                        speed.serviceMedian("Upload", small), speed.baselineMedian("Upload", small),
                        speed.serviceMedian("Export", small),
                            speed.baselineMedian("Export", small))));
      }
      figures.addAll(terminate.measure(TerminateSuite.ONE_NODE, service, service));
    }

    try (ServiceNode slow = start(plain("slow-64m", users).withSmallHeap("64m"))) {
      figures.addAll(new SlowUploadsSuite(plan, tokens).measure(slow));
    }

    List<ServiceNode> cluster = startCluster(users);
    try {
      figures.add(StartupSuite.clustered(cluster));
      figures.addAll(terminate.measure(TerminateSuite.TWO_NODES, cluster.get(0), cluster.get(1)));
    } finally {
      closeAll(cluster);
    }
  }

  /** The terminate figures alone: on one node, then across a cluster of two. */
  private void runTerminate(Path users) throws Exception {
    TerminateSuite terminate = new TerminateSuite(plan, tokens, sources.small());
    try (ServiceNode service = start(plain("service", users))) {
      figures.addAll(terminate.measure(TerminateSuite.ONE_NODE, service, service));
    }
    List<ServiceNode> cluster = startCluster(users);
    try {
      figures.addAll(terminate.measure(TerminateSuite.TWO_NODES, cluster.get(0), cluster.get(1)));
    } finally {
      closeAll(cluster);
    }
  }

  private static void closeAll(List<ServiceNode> cluster) {
    // in parallel: a member leaving the cluster takes a few seconds
    CompletableFuture.allOf(
            cluster.stream()
                .map(node -> CompletableFuture.runAsync(node::close))
                .toArray(CompletableFuture[]::new))
        .join();
  }

  private Launch plain(String name, Path users) {
    return Launch.plain(name, work.node(name), work.uploads(), users, secret);
  }

  private ServiceNode start(Launch launch) throws Exception {
    ServiceNode node = StartupSuite.start(jar, launch);
    Console.say(
        "%s up on %s (pid %d) in %.2f s",
        node.name(), node.address(), node.pid(), node.startupNanos() / 1e9);
    return node;
  }

  /** Two members of one cluster on loopback, launched together, sharing uploads and secret. */
  private List<ServiceNode> startCluster(Path users) throws Exception {
    int portA = FreePorts.pick();
    int portB = FreePorts.pick();
    while (portB == portA) { // a port picked twice
      portB = FreePorts.pick();
    }
    String members = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
    CompletableFuture<ServiceNode> a = startAsync(plain("node-a", users).clustered(portA, members));
    CompletableFuture<ServiceNode> b = startAsync(plain("node-b", users).clustered(portB, members));
    return List.of(a.join(), b.join());
  }

  private CompletableFuture<ServiceNode> startAsync(Launch launch) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return start(launch);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private Report report(Machine machine, String command, long wallMillis) {
    List<String> order = List.of("Speed", "Terminate", "Memory", "Start-up", "Client");
    List<Figure> sorted = new ArrayList<>(figures);
    sorted.sort(Comparator.comparingInt(f -> indexOfPrefix(order, f.section())));
    return new Report(sorted, Method.paragraphs(plan))
        .fact("Date", machine.date())
        .fact(
            "Command",
            "`" + command + "` (" + plan.name() + " run: " + plan.runs() + " run(s) per figure)")
        .fact(
            "Wall time",
            String.format(
                "%d min %02d s, the build included", wallMillis / 60000, wallMillis / 1000 % 60))
        .fact("Measured code", "commit " + machine.commit())
        .fact("CPU", machine.cores() + " cores, " + machine.cpu())
        .fact("Memory", machine.memory())
        .fact("Disk (df -hT of the work folder)", machine.disk())
        .fact("Java", machine.java() + ", kernel " + machine.kernel())
        .fact(
            "Service JVMs",
            "speed and terminate figures: `java -XX:+ExitOnOutOfMemoryError"
                + " -jar target/filejobs.jar` (the README's production command); memory figures: a"
                + " second service with `-Xmx64m -Xlog:gc:file=...` as well");
  }

  private static int indexOfPrefix(List<String> prefixes, String section) {
    for (int i = 0; i < prefixes.size(); i++) {
      if (section.startsWith(prefixes.get(i))) {
        return i;
      }
    }
    return prefixes.size();
  }

  private static String secret() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key);
  }

  /** The command line. */
  private record Arguments(
      String plan, Path project, Path jar, Path work, long startedMillis, String command) {

    static Arguments parse(String[] args) {
      String plan = "full";
      Path project = null;
      Path jar = null;
      Path work = null;
      long started = System.currentTimeMillis();
      String command = "bench/run";
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--quick" -> plan = "quick";
          case "--terminate" -> plan = "terminate";
          case "--project" -> project = Path.of(args[++i]).toAbsolutePath().normalize();
          case "--jar" -> jar = Path.of(args[++i]).toAbsolutePath();
          case "--work" -> work = Path.of(args[++i]).toAbsolutePath();
          case "--started-ms" -> started = Long.parseLong(args[++i]);
          case "--command" -> command = args[++i];
          default -> throw new IllegalArgumentException("unknown argument " + args[i]);
        }
      }
      if (project == null || jar == null || work == null) {
        throw new IllegalArgumentException(
            "usage: Bench --project <dir> --jar <filejobs.jar> --work <dir> [--quick | --terminate]");
      }
      return new Arguments(plan, project, jar, work, started, command);
    }
  }
}
