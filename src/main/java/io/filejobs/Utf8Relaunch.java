package io.filejobs;

import io.filejobs.storage.FileNameEncoding;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs filejobs again, in a child JVM under a UTF-8 locale, when this JVM's file-name encoding is
 * not UTF-8 ({@link FileNameEncoding}): the JDK fixes that encoding from the locale as it starts,
 * and nothing inside the JVM changes it, so a process started under {@code LANG=C} cannot store a
 * non-ASCII name. The child is the same {@code java} with the same JVM options, class path (or
 * {@code -jar}, whose manifest opens modules for Hazelcast) and arguments, plus {@code
 * LC_ALL=C.UTF-8}; it shares this process's standard input, output and error.
 *
 * <p>This process only waits: a SIGTERM or Ctrl-C to it stops the child (the same graceful stop),
 * and it exits with the child's status. The child stops too if this process dies without a word
 * (SIGKILL). The variable {@value #CHILD} marks the child, so that it never relaunches itself: a
 * child that still has no UTF-8 encoding (a system without a {@code C.UTF-8} locale) refuses to
 * start, saying which locale to set.
 */
final class Utf8Relaunch {

  private static final Logger log = LoggerFactory.getLogger(Utf8Relaunch.class);

  /** Set in the child's environment. */
  static final String CHILD = "FILEJOBS_UTF8_RELAUNCHED";

  /** The locale the child runs under: UTF-8, and present on most Linux systems. */
  static final String LOCALE = "C.UTF-8";

  /** How often the child checks that its launcher is still there. */
  static final long PARENT_CHECK_MS = 1000;

  private Utf8Relaunch() {}

  /** True when this process should run the service in a child under a UTF-8 locale. */
  static boolean needed() {
    return !FileNameEncoding.isUtf8() && System.getenv(CHILD) == null;
  }

  /** True when this process is the child of a relaunch. */
  static boolean isChild() {
    return System.getenv(CHILD) != null;
  }

  /**
   * Runs the service in a child JVM under {@link #LOCALE} and waits for it.
   *
   * @return the child's exit status
   */
  static int run(String[] args) throws IOException, InterruptedException {
    log.warn(
        "the JVM's file-name encoding is {} (from the locale), not UTF-8: running filejobs in a"
            + " child JVM with LC_ALL={} so that file names are UTF-8 (set a UTF-8 locale to run"
            + " it in one process)",
        FileNameEncoding.current(),
        LOCALE);
    ProcessBuilder builder = new ProcessBuilder(command(args)).inheritIO();
    Map<String, String> env = builder.environment();
    // The JVM options these carry are among this JVM's input arguments already.
    env.remove("JAVA_TOOL_OPTIONS");
    env.remove("JDK_JAVA_OPTIONS");
    env.put("LC_ALL", LOCALE);
    env.put(CHILD, "1");
    Process child = builder.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  child.destroy(); // SIGTERM: the child stops gracefully
                  try {
                    child.waitFor();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "filejobs-stop-child"));
    return child.waitFor();
  }

  /**
   * In the child: stops this process (gracefully, through its shutdown hook) when the process that
   * launched it is gone, killed without the chance to stop its child. It looks once a second (the
   * JDK's own {@code onExit} of a process that is not a child polls ever more slowly, up to 5 s).
   */
  static void stopWithParent() {
    ProcessHandle.current()
        .parent()
        .ifPresent(
            parent -> {
              Thread watch =
                  new Thread(
                      () -> {
                        try {
                          while (parent.isAlive()) {
                            Thread.sleep(PARENT_CHECK_MS);
                          }
                        } catch (InterruptedException e) {
                          return;
                        }
                        log.warn(
                            "the process that launched this one ({}) is gone: stopping",
                            parent.pid());
                        System.exit(1);
                      },
                      "filejobs-parent-watch");
              watch.setDaemon(true);
              watch.start();
            });
  }

  /** The same java, JVM options, class path or jar, main class and arguments. */
  private static List<String> command(String[] args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    String classPath = System.getProperty("java.class.path");
    if (launchedAsJar(classPath)) {
      command.add("-jar");
      command.add(classPath);
    } else {
      command.add("-cp");
      command.add(classPath);
      command.add(Main.class.getName());
    }
    command.addAll(List.of(args));
    return command;
  }

  /** Whether the JVM was started with {@code -jar}: its class path is that jar alone. */
  private static boolean launchedAsJar(String classPath) {
    String launched = System.getProperty("sun.java.command", "");
    return classPath.endsWith(".jar")
        && !classPath.contains(File.pathSeparator)
        && (launched.equals(classPath) || launched.startsWith(classPath + " "));
  }
}
