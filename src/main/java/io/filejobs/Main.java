package io.filejobs;

import io.filejobs.config.SettingsLoader;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts filejobs: reads the settings, deploys the service, and exits with one line on failure. */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
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
