package io.filejobs.bench;

import java.util.Locale;

/** Progress lines on standard output, each with the time since the benchmark started. */
public final class Console {

  private static final long STARTED = System.nanoTime();

  private Console() {}

  public static void say(String format, Object... args) {
    double seconds = (System.nanoTime() - STARTED) / 1e9;
    System.out.printf(
        Locale.ROOT, "[%6.1fs] %s%n", seconds, String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
