package io.filejobs;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real tus client in its own process: tus-js-client, the tus project's own JavaScript client, run
 * by the machine's {@code node} on {@code src/test/js/tus-upload.mjs}, so that the server is tested
 * against the client people use rather than against our reading of the protocol. The script prints
 * one JSON object per event ({@code uploadUrl}, {@code progress}, {@code retry}, {@code success},
 * {@code error}: see its header); a test waits for them with {@link #awaitEvent}, as they come.
 *
 * <p>Every process is killed after {@link #LIFETIME} (or the lifetime it was started with) whatever
 * the test does, and its whole stdout and stderr are kept for failure messages. Maven installs
 * tus-js-client before the tests ({@code npm ci}, pom.xml's {@code npm-ci} execution).
 */
final class TusJsClient implements AutoCloseable {

  /** Where tus-upload.mjs and its node_modules are; Surefire runs in the project's root. */
  static final Path JS_DIR = Path.of("src", "test", "js").toAbsolutePath();

  /** The longest any node process started here lives: a hung client cannot hang the suite. */
  static final Duration LIFETIME = Duration.ofMinutes(2);

  /** Put in the queue when stdout ends, so that a waiter learns at once that nothing will come. */
  private static final JsonObject END = new JsonObject().put("event", "end of output");

  private final List<String> command;
  private final Process process;
  private final BlockingQueue<JsonObject> pending = new LinkedBlockingQueue<>();
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final StringBuffer stdout = new StringBuffer();
  private final StringBuffer stderr = new StringBuffer();
  private final Thread stdoutReader;
  private final Thread stderrReader;

  private TusJsClient(List<String> command, Process process, Duration lifetime) {
    this.command = command;
    this.process = process;
    stdoutReader = daemon(this::readEvents, "node-stdout");
    stderrReader = daemon(() -> copy(process.getErrorStream(), stderr), "node-stderr");
    CompletableFuture.delayedExecutor(lifetime.toMillis(), TimeUnit.MILLISECONDS, Runnable::run)
        .execute(process::destroyForcibly); // nothing happens if it has exited
  }

  /**
   * Starts {@code tus-upload.mjs} with {@code options} (endpoint, file, token, filename, and
   * optionally chunkSize, retryDelays, uploadUrl), living at most {@link #LIFETIME}.
   */
  static TusJsClient upload(JsonObject options) throws IOException {
    return upload(options, LIFETIME);
  }

  /** As {@link #upload(JsonObject)}, killed after {@code lifetime}. */
  static TusJsClient upload(JsonObject options, Duration lifetime) throws IOException {
    if (!Files.isDirectory(JS_DIR.resolve("node_modules/tus-js-client"))) {
      throw new IllegalStateException(
          "tus-js-client is not installed in "
              + JS_DIR.resolve("node_modules")
              + ": run the tests with Maven (mvn -B test installs it) or sh src/test/js/npm-ci.sh");
    }
    return node(lifetime, "tus-upload.mjs", options.encode());
  }

  /** Runs {@code node args...} in {@link #JS_DIR}, killed after {@code lifetime}. */
  static TusJsClient node(Duration lifetime, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("node"));
    command.addAll(List.of(args));
    Process process;
    try {
      process = new ProcessBuilder(command).directory(JS_DIR.toFile()).start();
    } catch (IOException e) {
      throw new IOException(
          "cannot run node (the tests need Node.js 20 on PATH): " + e.getMessage(), e);
    }
    return new TusJsClient(command, process, lifetime);
  }

  /**
   * The next event named {@code name} ({@code "success"}, say), skipping (not losing: see {@link
   * #events}) the others; fails with all the output if the process ends or {@code timeout} passes
   * first.
   */
  JsonObject awaitEvent(String name, Duration timeout) throws InterruptedException {
    return awaitEvent(e -> name.equals(e.getString("event")), "\"" + name + "\"", timeout);
  }

  /** The next event that {@code test} accepts, as {@link #awaitEvent(String, Duration)}. */
  JsonObject awaitEvent(Predicate<JsonObject> test, Duration timeout) throws InterruptedException {
    return awaitEvent(test, "the one asked for", timeout);
  }

  private JsonObject awaitEvent(Predicate<JsonObject> test, String what, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonObject event = pending.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (event == null) {
        throw new AssertionError("no event " + what + " within " + timeout + "\n" + output());
      }
      if (event == END) {
        pending.add(END); // for the next waiter too
        process.waitFor(1, TimeUnit.SECONDS);
        stderrReader.join(1000);
        throw new AssertionError("node ended with no event " + what + "\n" + output());
      }
      if (test.test(event)) {
        return event;
      }
    }
  }

  /** Every event printed so far, in order, whether or not a waiter took it. */
  List<JsonObject> events() {
    return List.copyOf(events);
  }

  /**
   * Waits up to {@code timeout} for the process to exit and returns its exit code (tus-upload.mjs:
   * 0 on success, 1 on error); fails with all the output if it still runs then.
   */
  int exitCode(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new AssertionError("node still runs after " + timeout + "\n" + output());
    }
    stdoutReader.join(5000);
    stderrReader.join(5000);
    return process.exitValue();
  }

  /** SIGKILL, as a client that dies mid-upload; waits until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  String stdout() {
    return stdout.toString();
  }

  String stderr() {
    return stderr.toString();
  }

  /** The command, its state, stdout and stderr: what a failure message needs. */
  String output() {
    String state = process.isAlive() ? "running" : "exit code " + process.exitValue();
    return String.join(" ", command)
        + " ("
        + state
        + ")\n--- stdout ---\n"
        + stdout
        + "--- stderr ---\n"
        + stderr;
  }

  /** Kills the process if it still runs. */
  @Override
  public void close() {
    process.destroyForcibly();
  }

  private void readEvents() {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        stdout.append(line).append('\n');
        JsonObject event = parseEvent(line);
        if (event != null) {
          events.add(event);
          pending.add(event);
        }
      }
    } catch (IOException e) {
      // the process is gone
    } finally {
      pending.add(END);
    }
  }

  /** The line as an event, or null for anything else (node --version's answer, say). */
  private static JsonObject parseEvent(String line) {
    if (!line.startsWith("{")) {
      return null;
    }
    try {
      JsonObject event = new JsonObject(line);
      return event.containsKey("event") ? event : null;
    } catch (DecodeException e) {
      return null;
    }
  }

  private static void copy(InputStream in, StringBuffer into) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        into.append(line).append('\n');
      }
    } catch (IOException e) {
      // the process is gone
    }
  }

  private static Thread daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
