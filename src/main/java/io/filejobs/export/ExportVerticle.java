package io.filejobs.export;

import io.filejobs.config.Settings;
import io.filejobs.jobs.Failure;
import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobEvents;
import io.filejobs.jobs.JobRegistry;
import io.filejobs.jobs.Unattached;
import io.filejobs.storage.FileNames;
import io.filejobs.storage.Storage;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the export jobs: answers {@value JobBus#EXPORT_START} (from this process's HTTP verticle)
 * and {@value JobBus#EXPORT_TERMINATE} (from anywhere on the bus). Each job runs as an {@link
 * ExportJob} on its HTTP connection's event loop.
 */
public final class ExportVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ExportVerticle.class);

  private Settings settings;
  private Storage storage;
  private JobRegistry jobs;
  private JobEvents events;

  @Override
  public Future<?> start() {
    settings = Settings.fromJson(config());
    storage = new Storage(vertx, settings.uploadsDir(), settings.tempDir());
    events = new JobEvents(vertx);
    EventBus bus = vertx.eventBus();
    return JobRegistry.create(vertx, JobBus.KIND_EXPORT)
        .compose(
            registry -> {
              jobs = registry;
              MessageConsumer<JsonObject> start =
                  bus.localConsumer(JobBus.EXPORT_START, this::start);
              return Future.all(
                  start.completion(),
                  jobs.serveControls(
                      bus,
                      JobBus.EXPORT_TERMINATE,
                      JobBus.EXPORT_PAUSE,
                      JobBus.EXPORT_RESUME,
                      JobBus.EXPORT_STATUS,
                      JobBus.nothingRunning(JobBus.KIND_EXPORT),
                      Unattached.NONE),
                  serveFiles(bus));
            });
  }

  /**
   * Lets running exports go on for the grace time, then ends the rest (their clients see the body
   * cut short), before the consumers go away.
   */
  @Override
  public Future<?> stop() {
    return jobs.stop(settings.stopGraceSeconds() * 1000);
  }

  private void start(Message<JsonObject> message) {
    JsonObject body = message.body();
    String user = body == null ? null : body.getString(JobBus.USER);
    String filename = body == null ? null : body.getString(JobBus.FILENAME);
    Handoff handoff = body == null ? null : Handoff.take(vertx, body.getString(JobBus.HANDOFF));
    if (user == null || filename == null || handoff == null) {
      JobBus.fail(
          message,
          Failure.BAD_REQUEST,
          "the body needs a \"user\", a \"filename\" and a parked \"handoff\"");
      return;
    }
    ExportJob job =
        new ExportJob(vertx, user, filename, handoff, storage, jobs, events, settings.jobLimits());
    handoff
        .context()
        .runOnContext(
            v -> job.start().onSuccess(message::reply).onFailure(e -> JobBus.fail(message, e)));
  }

  /** Answers {@value JobBus#FILES}: the user's stored files. */
  private Future<Void> serveFiles(EventBus bus) {
    return Future.all(
            bus.<JsonObject>consumer(JobBus.FILES_DELETE, this::deleteFile).completion(),
            listFiles(bus))
        .mapEmpty();
  }

  private void deleteFile(Message<JsonObject> message) {
    JsonObject body = message.body();
    String user = body == null ? null : body.getString(JobBus.USER);
    String filename = body == null ? null : body.getString(JobBus.FILENAME);
    if (user == null || FileNames.check(user).isEmpty() || filename == null) {
      JobBus.fail(message, Failure.BAD_REQUEST, "the body needs a \"user\" and a \"filename\"");
      return;
    }
    storage
        .remove(user, filename)
        .onSuccess(
            v -> {
              log.info("{} deleted {}", user, filename);
              message.reply(new JsonObject().put(JobBus.FILENAME, filename));
            })
        .onFailure(
            e -> {
              if (Storage.isNoSuchFile(e)) {
                JobBus.fail(message, Failure.NOT_FOUND, "you have no file named " + filename);
              } else {
                log.error("{} could not delete {}", user, filename, e);
                JobBus.fail(message, Failure.INTERNAL_ERROR, "the file could not be deleted");
              }
            });
  }

  private Future<Void> listFiles(EventBus bus) {
    return bus.<JsonObject>consumer(
            JobBus.FILES,
            message -> {
              String user = message.body() == null ? null : message.body().getString(JobBus.USER);
              if (user == null || FileNames.check(user).isEmpty()) {
                JobBus.fail(
                    message, Failure.BAD_REQUEST, "the body needs a \"user\" naming a user");
                return;
              }
              storage
                  .list(user)
                  .onSuccess(
                      files -> message.reply(new JsonObject().put(JobBus.FILES_FIELD, files)))
                  .onFailure(e -> JobBus.fail(message, e));
            })
        .completion();
  }
}
