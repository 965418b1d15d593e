package io.filejobs.jobs;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Publishes job events on the bus: every event on {@value JobBus#EVENTS}, and the events of one
 * user also on {@code filejobs.events.user.<name>} ({@link JobBus#userEvents}).
 */
public final class JobEvents {

  private final Vertx vertx;

  public JobEvents(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Publishes {@code event}, stamping it with its name and the time. */
  public void publish(String name, String user, JsonObject event) {
    event.put(JobBus.EVENT, name).put(JobBus.AT, Instant.now().toString());
    vertx.eventBus().publish(JobBus.EVENTS, event);
    vertx.eventBus().publish(JobBus.userEvents(user), event);
  }
}
