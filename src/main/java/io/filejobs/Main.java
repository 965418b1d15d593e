package io.filejobs;

import io.filejobs.auth.Passwords;
import io.filejobs.config.SettingsLoader;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts filejobs: reads the settings, deploys the service, and exits with one line on failure. */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0) {
      System.exit(command(args));
    }
    Vertx vertx = Vertx.vertx();
    SettingsLoader.load(vertx, System.getenv())
        .compose(settings -> FileJobs.deploy(vertx, settings))
        .onFailure(
            e -> {
              log.error("filejobs did not start: {}", rootMessage(e));
              log.debug("start-up failure", e);
              vertx.close().onComplete(v -> System.exit(1));
            });
  }

  /**
   * {@code hash-password}: reads a password (from the terminal without echo, or the first line of
   * standard input) and prints the {@code passwordHash} for {@code usersData.json}.
   */
  private static int command(String[] args) {
    if (!args[0].equals("hash-password") || args.length > 1) {
      System.err.println("usage: java -jar filejobs.jar [hash-password]");
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
      System.err.println("hash-password: no password given");
      return 2;
    }
    System.out.println(Passwords.hash(password));
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
