package io.filejobs.upload;

import io.filejobs.config.Settings;
import io.filejobs.jobs.Failure;
import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobEvents;
import io.filejobs.jobs.JobRegistry;
import io.filejobs.jobs.Lifecycle;
import io.filejobs.storage.NodeTempDir;
import io.filejobs.storage.Resumables;
import io.filejobs.storage.Staging;
import io.filejobs.storage.Storage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;

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
  private ResumableUploads resumable;

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
              resumable =
                  new ResumableUploads(
                      vertx,
                      new Resumables(vertx, storage),
                      jobs,
                      events,
                      settings.maxUploadBytes(),
                      Duration.ofSeconds(settings.uploadExpirySeconds()),
                      this::append);
              MessageConsumer<JsonObject> start =
                  bus.localConsumer(JobBus.UPLOAD_START, this::start);
              return Future.all(
                  start.completion(),
                  resumable.serve(bus),
                  jobs.serveControls(
                      bus,
                      JobBus.UPLOAD_TERMINATE,
                      JobBus.UPLOAD_PAUSE,
                      JobBus.UPLOAD_RESUME,
                      JobBus.UPLOAD_STATUS,
                      JobBus.nothingRunning(JobBus.KIND_UPLOAD),
                      resumable.unattached()));
            });
  }

  /**
   * Lets running uploads go on for the grace time (one that completes is stored), then ends the
   * rest with 503 and removes their temp files, before the consumers go away.
   */
  @Override
  public Future<?> stop() {
    if (resumable != null) {
      resumable.stop();
    }
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
    Lifecycle life = lifecycle(user, handoff, NOTHING_STORED);
    TempFile destination =
        new TempFile(
            vertx,
            storage,
            user,
            settings.maxUploadBytes(),
            life::summary,
            () -> resumable.noneUnfinished(user));
    // A start that names its file is a raw body (PUT /files/{name}); else a multipart form.
    String filename = body.getString(JobBus.FILENAME);
    String contentType = handoff.request().getHeader(HttpHeaders.CONTENT_TYPE);
    UploadJob job =
        new UploadJob(
            handoff,
            life,
            destination,
            filename != null
                ? raw -> new RawBody(raw, filename, null)
                : form -> MultipartUpload.of(form, contentType));
    handoff
        .context()
        .runOnContext(
            v -> job.start().onSuccess(message::reply).onFailure(e -> JobBus.fail(message, e)));
  }

  /** Starts the job of a request that appends to a resumable upload. */
  private Future<JsonObject> append(
      String user, Handoff handoff, PartialFile destination, boolean paused) {
    Lifecycle life = lifecycle(user, handoff, "").resumable();
    if (paused) {
      life.startsPaused();
    }
    UploadJob job =
        new UploadJob(
            handoff,
            life,
            destination,
            body -> new RawBody(body, destination.name(), destination.digest()));
    Promise<JsonObject> started = Promise.promise();
    handoff.context().runOnContext(v -> job.start().onComplete(started));
    return started.future();
  }

  /** What a stopped upload that removes its bytes adds to its messages. */
  private static final String NOTHING_STORED = "; nothing was stored";

  private Lifecycle lifecycle(String user, Handoff handoff, String stoppedSuffix) {
    return new Lifecycle(
        vertx,
        JobBus.KIND_UPLOAD,
        user,
        handoff,
        jobs,
        events,
        settings.jobLimits(),
        stoppedSuffix);
  }
}
