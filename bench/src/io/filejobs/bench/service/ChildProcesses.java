package io.filejobs.bench.service;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every child JVM the benchmark starts (service nodes, baselines), from the moment it is launched
 * until it exits, so that none outlives the benchmark: if the benchmark goes down first (an error,
 * Ctrl-C, SIGTERM), a shutdown hook stops those still running, SIGTERM first so that they clean up,
 * then SIGKILL, and waits until they are gone (so that {@code bench/run} can remove their folders).
 */
public final class ChildProcesses {

  private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(3);
  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::stopAll, "bench-children"));
  }

  private ChildProcesses() {}

  /** Watches {@code process} until it exits. */
  public static Process register(Process process) {
    RUNNING.add(process);
    process.onExit().thenRun(() -> RUNNING.remove(process));
    return process;
  }

  private static void stopAll() {
    RUNNING.forEach(Process::destroy); // all at once: they stop in parallel
    long deadline = System.nanoTime() + GRACE_NANOS;
    try {
      for (Process process : RUNNING) {
        process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      for (Process process : RUNNING) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      RUNNING.forEach(Process::destroyForcibly);
    }
  }
}
