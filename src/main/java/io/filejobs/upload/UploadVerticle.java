package io.filejobs.upload;

import io.filejobs.config.Settings;
import io.filejobs.jobs.Failure;
import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobEvents;
import io.filejobs.jobs.JobRegistry;
import io.filejobs.storage.NodeTempDir;
import io.filejobs.storage.Staging;
import io.filejobs.storage.Storage;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * Owns the upload jobs: answers {@value JobBus#UPLOAD_START} (from this process's HTTP verticle)
 * and {@value JobBus#UPLOAD_TERMINATE} (from anywhere on the bus). Each job runs as an {@link
 * UploadJob} on its HTTP connection's event loop.
 *
 * <p>Its uploads in progress live in this node's own {@link NodeTempDir}, and a finished upload is
 * staged (when the temp folder is on another file system) in this node's own folder in {@code
 * Uploads/.staging/}; starting removes what dead nodes left in both, stopping removes this node's.
 */
public final class UploadVerticle extends VerticleBase {

  private Settings settings;
  private Storage storage;
  private JobRegistry jobs;
  private JobEvents events;
  private NodeTempDir temp;
  private NodeTempDir staging;

  @Override
  public Future<?> start() {
    settings = Settings.fromJson(config());
    events = new JobEvents(vertx);
    EventBus bus = vertx.eventBus();
    return NodeTempDir.take(vertx, Path.of(settings.tempDir()))
        .compose(
            taken -> {
              temp = taken;
              return Staging.take(vertx, settings.uploadsDir());
            })
        .compose(
            taken -> {
              staging = taken;
              storage =
                  new Storage(vertx, settings.uploadsDir(), temp.path().toString(), staging.path());
              return JobRegistry.create(vertx, JobBus.KIND_UPLOAD);
            })
        .compose(
            registry -> {
              jobs = registry;
              MessageConsumer<JsonObject> start =
                  bus.localConsumer(JobBus.UPLOAD_START, this::start);
              return Future.all(
                  start.completion(),
                  jobs.serveControls(
                      bus,
                      JobBus.UPLOAD_TERMINATE,
                      JobBus.UPLOAD_PAUSE,
                      JobBus.UPLOAD_RESUME,
                      JobBus.UPLOAD_STATUS,
                      JobBus.nothingRunning(JobBus.KIND_UPLOAD)));
            });
  }

  /**
   * Lets running uploads go on for the grace time (one that completes is stored), then ends the
   * rest with 503 and removes their temp files, before the consumers go away.
   */
  @Override
  public Future<?> stop() {
    Future<Void> stopped =
        jobs == null ? Future.succeededFuture() : jobs.stop(settings.stopGraceSeconds() * 1000);
    return stopped
        .compose(v -> temp == null ? Future.succeededFuture() : temp.remove(vertx))
        .compose(v -> staging == null ? Future.succeededFuture() : staging.remove(vertx));
  }

  private void start(Message<JsonObject> message) {
    JsonObject body = message.body();
    String user = body == null ? null : body.getString(JobBus.USER);
    Handoff handoff = body == null ? null : Handoff.take(vertx, body.getString(JobBus.HANDOFF));
    if (user == null || handoff == null) {
      JobBus.fail(
          message, Failure.BAD_REQUEST, "the body needs a \"user\" and a parked \"handoff\"");
      return;
    }
    UploadJob job =
        new UploadJob(
            vertx,
            user,
            handoff,
            storage,
            jobs,
            events,
            settings.maxUploadBytes(),
            settings.jobLimits());
    handoff
        .context()
        .runOnContext(
            v -> job.start().onSuccess(message::reply).onFailure(e -> JobBus.fail(message, e)));
  }
}
