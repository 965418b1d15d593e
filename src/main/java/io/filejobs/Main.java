package io.filejobs;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.filejobs.auth.Passwords;
import io.filejobs.config.Settings;
import io.filejobs.config.SettingsLoader;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts filejobs: reads the settings, deploys the service, and exits with one line on failure.
 * Under a locale whose file-name encoding is not UTF-8 it runs the service in a child JVM instead
 * ({@link Utf8Relaunch}).
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  /**
   * A command's result, for whoever runs it: logback.xml sends this logger to standard output as
   * the bare message, so that it can be piped or pasted.
   */
  private static final Logger result = LoggerFactory.getLogger("io.filejobs.command");

  private Main() {}

  public static void main(String[] args) {
    Map<String, String> env = new HashMap<>(System.getenv());
    if (args.length == 1 && args[0].equals("--cluster")) {
      env.put("FILEJOBS_CLUSTER", "true");
    } else if (args.length > 0) {
      System.exit(command(args));
    }
    if (Utf8Relaunch.needed()) {
      try {
        System.exit(Utf8Relaunch.run(args));
      } catch (IOException e) {
        log.error("filejobs did not start: cannot run it under a UTF-8 locale: {}", e.getMessage());
        System.exit(1);
      } catch (InterruptedException e) {
        System.exit(1);
      }
      return;
    }
    if (Utf8Relaunch.isChild()) {
      Utf8Relaunch.stopWithParent();
    }
    warnUnlessExitOnOutOfMemory();
    Settings settings;
    try {
      settings = SettingsLoader.read(env);
    } catch (IllegalArgumentException e) {
      log.error("filejobs did not start: {}", rootMessage(e));
      System.exit(1);
      return;
    }
    FileJobs.vertx(settings)
        .compose(
            vertx -> {
              Runtime.getRuntime()
                  .addShutdownHook(new Thread(() -> stop(vertx, settings), "filejobs-shutdown"));
              return FileJobs.deploy(vertx, settings).onFailure(e -> vertx.close());
            })
        .onFailure(
            e -> {
              log.error("filejobs did not start: {}", rootMessage(e));
              log.debug("start-up failure", e);
              System.exit(1);
            });
  }

  /**
   * On SIGTERM (or Ctrl-C): undeploys everything and, when clustered, leaves the cluster. The HTTP
   * server stops accepting at once; running transfers get the grace time to end, then are ended and
   * cleaned up (see {@code JobRegistry.stop}).
   */
  private static void stop(Vertx vertx, Settings settings) {
    log.info("filejobs stopping (grace time {} s)", settings.stopGraceSeconds());
    try {
      vertx
          .close()
          .toCompletionStage()
          .toCompletableFuture()
          .get(settings.stopGraceSeconds() + 30, TimeUnit.SECONDS);
      log.info("filejobs stopped");
    } catch (Exception e) {
      log.warn("filejobs did not stop cleanly", e);
    }
  }

  /**
   * Warns when the JVM would not exit on an OutOfMemoryError. After one, Vert.x's event loops and
   * workers may have died or hold half-done work: the node would hang on, answering nothing, where
   * an exit lets its supervisor restart it. {@code -XX:+ExitOnOutOfMemoryError} (or {@code
   * +CrashOnOutOfMemoryError}, which also writes a crash report) makes the JVM exit at once.
   */
  private static void warnUnlessExitOnOutOfMemory() {
    try {
      HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (vm == null
          || "true".equals(vm.getVMOption("ExitOnOutOfMemoryError").getValue())
          || "true".equals(vm.getVMOption("CrashOnOutOfMemoryError").getValue())) {
        return;
      }
    } catch (RuntimeException | LinkageError e) {
      return; // not a HotSpot JVM: it has no such option to check
    }
    log.warn(
        "the JVM runs without -XX:+ExitOnOutOfMemoryError: after an OutOfMemoryError this node"
            + " would hang on instead of exiting for its supervisor to restart it; run"
            + " java -XX:+ExitOnOutOfMemoryError -jar filejobs.jar");
  }

  /**
   * {@code hash-password}: reads a password (from the terminal without echo, or the first line of
   * standard input) and prints the {@code passwordHash} for {@code usersData.json}.
   */
  private static int command(String[] args) {
    if (!args[0].equals("hash-password") || args.length > 1) {
      log.error("usage: java -jar filejobs.jar [--cluster | hash-password]");
      return 2;
    }
    String password;
    if (System.console() != null) {
      char[] typed = System.console().readPassword("password: ");
      password = typed == null ? null : new String(typed);
    } else {
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        password = in.readLine();
      } catch (IOException e) {
        password = null;
      }
    }
    if (password == null || password.isEmpty()) {
      log.error("hash-password: no password given");
      return 2;
    }
    result.info("{}", Passwords.hash(password));
    return 0;
  }

  private static String rootMessage(Throwable e) {
    StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
        text.append(": ").append(cause.getMessage());
      }
    }
    return text.toString();
  }
}
