package io.filejobs.upload;

import io.filejobs.jobs.Failure;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobEvents;
import io.filejobs.jobs.JobFailure;
import io.filejobs.jobs.JobRegistry;
import io.filejobs.jobs.Unattached;
import io.filejobs.storage.Resumables;
import io.filejobs.storage.Resumables.Upload;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resumable uploads that no request feeds (interrupted): what the original API's controls find
 * when the user holds no claim ({@link Unattached}: status, terminate; nothing to pause or resume),
 * and their expiry, swept on every node.
 */
final class IdleUploads implements Unattached {

  private static final Logger log = LoggerFactory.getLogger(IdleUploads.class);

  private final Resumables resumables;
  private final JobRegistry jobs;
  private final JobEvents events;
  private final Duration expiry;

  IdleUploads(Resumables resumables, JobRegistry jobs, JobEvents events, Duration expiry) {
    this.resumables = resumables;
    this.jobs = jobs;
    this.events = events;
    this.expiry = expiry;
  }

  @Override
  public Future<JsonObject> control(String user, Action action) {
    return resumables
        .find(user)
        .compose(
            found -> {
              if (found.isEmpty()) {
                return Future.failedFuture(
                    new JobFailure(Failure.NOT_FOUND, JobBus.nothingRunning(JobBus.KIND_UPLOAD)));
              }
              Upload upload = found.get();
              return switch (action) {
                case STATUS -> Future.succeededFuture(status(upload));
                case TERMINATE -> terminate(upload);
                case PAUSE, RESUME ->
                    Future.failedFuture(
                        new JobFailure(
                            Failure.CONFLICT,
                            "the upload of "
                                + upload.name()
                                + " is interrupted: no connection feeds it, so there is nothing"
                                + " to "
                                + (action == Action.PAUSE ? "pause" : "resume")));
              };
            });
  }

  private Future<JsonObject> terminate(Upload upload) {
    log.info(
        "resumable upload {} of {} by {} terminated after {} bytes",
        upload.id(),
        upload.name(),
        upload.user(),
        upload.offset());
    return resumables
        .remove(upload)
        .map(
            v -> {
              JsonObject summary = summary(upload);
              events.publish("terminated", upload.user(), summary.copy());
              return summary;
            });
  }

  static JsonObject summary(Upload upload) {
    return new JsonObject()
        .put(JobBus.USER, upload.user())
        .put(JobBus.KIND, JobBus.KIND_UPLOAD)
        .put(JobBus.FILENAME, upload.name())
        .put(JobBus.BYTES, upload.offset())
        .put(JobBus.TOTAL, upload.lengthKnown() ? upload.length() : null)
        .put(JobBus.ID, upload.id());
  }

  private JsonObject status(Upload upload) {
    return summary(upload)
        .put(JobBus.STATE, JobBus.INTERRUPTED)
        .put(JobBus.STARTED_AT, upload.created().toString())
        .put(JobBus.BYTES_PER_SECOND, 0L)
        .put(JobBus.EXPIRES_AT, upload.expiresAt(expiry).toString());
  }

  /**
   * Removes the uploads whose last byte is older than the expiry time and that no request feeds (a
   * paused request's upload is fed, however long ago its last byte came). Every node sweeps;
   * removing twice is harmless.
   */
  void sweep() {
    Instant now = Instant.now();
    resumables
        .all()
        .onSuccess(
            (List<Upload> uploads) -> {
              for (Upload upload : uploads) {
                if (upload.expiresAt(expiry).isBefore(now)) {
                  expire(upload);
                }
              }
            })
        .onFailure(e -> log.warn("could not sweep the resumable uploads", e));
  }

  private void expire(Upload upload) {
    jobs.held(upload.user())
        .compose(held -> held ? Future.succeededFuture(false) : resumables.remove(upload).map(true))
        .onSuccess(
            removed -> {
              if (removed) {
                log.info(
                    "resumable upload {} of {} by {} expired with {} bytes: removed",
                    upload.id(),
                    upload.name(),
                    upload.user(),
                    upload.offset());
                events.publish("expired", upload.user(), summary(upload));
              }
            });
  }
}
