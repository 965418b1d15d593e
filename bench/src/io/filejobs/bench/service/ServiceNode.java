package io.filejobs.bench.service;

import io.filejobs.bench.client.Signin;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The service as a separate JVM ({@code java -jar filejobs.jar}) on a free loopback port, started
 * the way the README says: configured only by {@code FILEJOBS_*} variables, working in a folder of
 * its own with no {@code conf/config.json}, its log in {@code service.log}.
 */
public final class ServiceNode implements AutoCloseable {

  /** How long a node may take to answer its first signin (a cluster member needs a few s). */
  private static final long READY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

  private static final long POLL_MILLIS = 5;

  private final Launch launch;
  private final Process process;
  private final InetSocketAddress address;
  private final long startupNanos;

  private ServiceNode(Launch launch, Process process, InetSocketAddress address, long startup) {
    this.launch = launch;
    this.process = process;
    this.address = address;
    this.startupNanos = startup;
  }

  /**
   * Starts a node and waits until a real signin of {@code probeUser} succeeds; the time from
   * launching the JVM to that answer is its {@link #startupNanos()}.
   */
  public static ServiceNode start(Path jar, Launch launch, String probeUser, String probePassword)
      throws IOException, InterruptedException {
    Files.createDirectories(launch.tempDir());
    Files.createDirectories(launch.uploadsDir());
    int port = FreePorts.pick();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(launch.jvmFlags());
    command.add("-jar");
    command.add(jar.toString());
    if (launch.cluster()) {
      command.add("--cluster");
    }
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(launch.home().toFile())
            .redirectErrorStream(true)
            .redirectOutput(launch.log().toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("FILEJOBS_"));
    env.put("FILEJOBS_HTTP_HOST", "127.0.0.1");
    env.put("FILEJOBS_HTTP_PORT", Integer.toString(port));
    env.put("FILEJOBS_UPLOADS_DIR", launch.uploadsDir().toString());
    env.put("FILEJOBS_TEMP_DIR", launch.tempDir().toString());
    env.put("FILEJOBS_USERS_FILE", launch.usersFile().toString());
    env.put("FILEJOBS_JWT_SECRET", launch.secret());
    env.putAll(launch.extraEnv());

    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    long launched = System.nanoTime();
    Process process = ChildProcesses.register(builder.start());
    while (Signin.attempt(address, probeUser, probePassword).isEmpty()) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            launch.name() + " exited (" + process.exitValue() + "): " + logTail(launch));
      }
      if (System.nanoTime() - launched > READY_TIMEOUT_NANOS) {
        process.destroyForcibly();
        throw new IllegalStateException(
            launch.name() + " never answered a signin: " + logTail(launch));
      }
      Thread.sleep(POLL_MILLIS);
    }
    return new ServiceNode(launch, process, address, System.nanoTime() - launched);
  }

  private static String logTail(Launch launch) {
    try {
      List<String> lines = Files.readAllLines(launch.log());
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  public String name() {
    return launch.name();
  }

  public InetSocketAddress address() {
    return address;
  }

  public long pid() {
    return process.pid();
  }

  /** From launching the JVM to the answer of its first successful signin. */
  public long startupNanos() {
    return startupNanos;
  }

  public Path tempDir() {
    return launch.tempDir();
  }

  public Launch launch() {
    return launch;
  }

  /** Starts watching this node's memory; the service must run with a GC log. */
  public MemoryWindow memoryWindow() {
    if (!launch.hasGcLog()) {
      throw new IllegalStateException(launch.name() + " runs without a GC log");
    }
    return MemoryWindow.open(pid(), launch.gcLog());
  }

  /** Stops the node as an operator would (SIGTERM: it closes Vert.x, leaves the cluster). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
