package io.filejobs;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** filejobs's {@link Main} in its own JVM, the way a user runs it; its output is kept. */
final class ChildJvm implements AutoCloseable {

  static final Pattern LISTENING = Pattern.compile("filejobs listening on ([^:]+):(\\d+)");

  final Process process;
  private final StringBuffer output = new StringBuffer();
  private final Thread reader;

  private ChildJvm(Process process) {
    this.process = process;
    reader = new Thread(this::read, "child-jvm-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** The project's users file, as the tests' nodes read it. */
  static Path projectUsers() {
    return Path.of("usersData.json").toAbsolutePath();
  }

  /**
   * The environment of a node on 127.0.0.1 and a free port, with its {@code Uploads} and {@code
   * tmp} folders in {@code dir}, its users from {@code usersFile} and the tests' secret, plus
   * {@code more} ({@code name, value, ...}); a map the caller may add to.
   */
  static Map<String, String> env(Path dir, Path usersFile, String... more) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("FILEJOBS_HTTP_HOST", "127.0.0.1");
    env.put("FILEJOBS_HTTP_PORT", "0");
    env.put("FILEJOBS_UPLOADS_DIR", dir.resolve("Uploads").toString());
    env.put("FILEJOBS_TEMP_DIR", dir.resolve("tmp").toString());
    env.put("FILEJOBS_USERS_FILE", usersFile.toString());
    env.put("FILEJOBS_JWT_SECRET", TestServer.SECRET);
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  /**
   * Starts Main in {@code workDir} with only {@code env}'s FILEJOBS_* variables and {@code args}.
   */
  static ChildJvm start(Path workDir, Map<String, String> env, String... args) throws Exception {
    return start(java.util.List.of(), workDir, env, args);
  }

  /**
   * Starts Main with {@code jvmOptions} (a heap limit, say) in {@code workDir}, as {@link #start}.
   */
  static ChildJvm startWithOptions(
      java.util.List<String> jvmOptions, Path workDir, Map<String, String> env) throws Exception {
    return start(java.util.List.of(), jvmOptions, workDir, env);
  }

  /**
   * Starts Main under {@code ulimit -f kib}: any file it writes fails (EFBIG) past that size, a
   * real write failure from the OS that needs no privilege.
   */
  static ChildJvm startWithFileSizeLimit(long kib, Path workDir, Map<String, String> env)
      throws Exception {
    return start(
        java.util.List.of("bash", "-c", "ulimit -f " + kib + " && exec \"$@\"", "bash"),
        workDir,
        env);
  }

  private static ChildJvm start(
      java.util.List<String> prefix, Path workDir, Map<String, String> env, String... args)
      throws Exception {
    return start(prefix, java.util.List.of(), workDir, env, args);
  }

  private static ChildJvm start(
      java.util.List<String> prefix,
      java.util.List<String> jvmOptions,
      Path workDir,
      Map<String, String> env,
      String... args)
      throws Exception {
    java.util.List<String> command = new java.util.ArrayList<>(prefix);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:+ExitOnOutOfMemoryError"); // as the README runs it (jvmOptions may undo it)
    command.addAll(jvmOptions);
    command.addAll(
        java.util.List.of(
            // the service's own logging, not the tests' quiet one
            "-Dlogback.configurationFile=" + ChildJvm.class.getResource("/logback.xml"),
            "-cp",
            System.getProperty("java.class.path"),
            "io.filejobs.Main"));
    command.addAll(java.util.List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("FILEJOBS_"));
    builder.environment().putAll(env);
    return new ChildJvm(builder.start());
  }

  private void read() {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        output.append(line).append('\n');
      }
    } catch (Exception e) {
      // the process is gone
    }
  }

  String output() {
    return output.toString();
  }

  /** Once the process has exited: waits until all it wrote has been read. */
  void awaitOutputEnd() throws InterruptedException {
    reader.join(5000);
  }

  /** The first match of {@code pattern} in the output, waiting up to {@code seconds}. */
  Matcher await(Pattern pattern, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      Matcher m = pattern.matcher(output);
      if (m.find()) {
        return m;
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(50);
    }
    Matcher m = pattern.matcher(output);
    if (m.find()) {
      return m;
    }
    throw new AssertionError("no '" + pattern + "' in:\n" + output);
  }

  /** The HTTP port it listens on, once it says so. */
  int port(long seconds) throws InterruptedException {
    return Integer.parseInt(await(LISTENING, seconds).group(2));
  }

  /**
   * SIGTERM, keeping its output readable ({@code Process.destroy} would also close the pipes, and
   * whatever the process logs while it stops would be lost).
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** SIGKILL: no shutdown hook runs, as in a crash. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited within 15 s. Throws no InterruptedException (an
   * {@link AutoCloseable} should not): interrupted, it kills at once and keeps the interrupt.
   */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
