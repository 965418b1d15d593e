package io.filejobs.export;

import io.filejobs.config.Settings;
import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobRegistry;
import io.filejobs.storage.Storage;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * Owns the export jobs: answers {@value JobBus#EXPORT_START} (from this process's HTTP verticle)
 * and {@value JobBus#EXPORT_TERMINATE} (from anywhere on the bus). Each job runs as an {@link
 * ExportJob} on its HTTP connection's event loop.
 */
public final class ExportVerticle extends VerticleBase {

  private Storage storage;
  private JobRegistry jobs;

  @Override
  public Future<?> start() {
    Settings settings = Settings.fromJson(config());
    storage = new Storage(vertx, settings.uploadsDir(), settings.tempDir());
    jobs = new JobRegistry(vertx, JobBus.KIND_EXPORT);
    EventBus bus = vertx.eventBus();
    MessageConsumer<JsonObject> start = bus.localConsumer(JobBus.EXPORT_START, this::start);
    MessageConsumer<JsonObject> terminate =
        bus.consumer(JobBus.EXPORT_TERMINATE, jobs.terminator("you are not exporting anything"));
    return Future.all(start.completion(), terminate.completion());
  }

  private void start(Message<JsonObject> message) {
    JsonObject body = message.body();
    String user = body == null ? null : body.getString(JobBus.USER);
    String filename = body == null ? null : body.getString(JobBus.FILENAME);
    Handoff handoff = body == null ? null : Handoff.take(vertx, body.getString(JobBus.HANDOFF));
    if (user == null || filename == null || handoff == null) {
      message.fail(
          JobBus.BAD_REQUEST, "the body needs a \"user\", a \"filename\" and a parked \"handoff\"");
      return;
    }
    ExportJob job = new ExportJob(vertx, user, filename, handoff, storage, jobs);
    handoff
        .context()
        .runOnContext(
            v -> job.start().onSuccess(message::reply).onFailure(e -> JobBus.fail(message, e)));
  }
}
