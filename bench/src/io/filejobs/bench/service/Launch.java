package io.filejobs.bench.service;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How to start one service node: its name, its own folder (temp files, log, GC log), the shared
 * uploads folder and users file, the JWT secret, JVM flags, and extra {@code FILEJOBS_*} variables
 * (cluster settings).
 */
public record Launch(
    String name,
    Path home,
    Path uploadsDir,
    Path usersFile,
    String secret,
    List<String> jvmFlags,
    Map<String, String> extraEnv,
    boolean cluster) {

  /** A plain node as the README runs it: its one JVM flag, exit at once on OutOfMemoryError. */
  public static Launch plain(
      String name, Path home, Path uploadsDir, Path usersFile, String secret) {
    return new Launch(
        name,
        home,
        uploadsDir,
        usersFile,
        secret,
        List.of("-XX:+ExitOnOutOfMemoryError"),
        Map.of(),
        false);
  }

  /** This launch with a heap limit and a GC log (for the memory figures). */
  public Launch withSmallHeap(String maxHeap) {
    List<String> flags = new ArrayList<>(jvmFlags);
    flags.add("-Xmx" + maxHeap);
    flags.add("-Xlog:gc:file=" + gcLog());
    return new Launch(name, home, uploadsDir, usersFile, secret, flags, extraEnv, cluster);
  }

  /** This launch as a member of a cluster on loopback (Hazelcast TCP-IP join). */
  public Launch clustered(int hazelcastPort, String members) {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("FILEJOBS_CLUSTER_HOST", "127.0.0.1");
    env.put("FILEJOBS_CLUSTER_PORT", Integer.toString(hazelcastPort));
    env.put("FILEJOBS_CLUSTER_MEMBERS", members);
    return new Launch(name, home, uploadsDir, usersFile, secret, jvmFlags, env, true);
  }

  public Path tempDir() {
    return home.resolve("temp");
  }

  public Path log() {
    return home.resolve("service.log");
  }

  public Path gcLog() {
    return home.resolve("gc.log");
  }

  public boolean hasGcLog() {
    return jvmFlags.stream().anyMatch(flag -> flag.startsWith("-Xlog:gc"));
  }
}
