package io.filejobs.upload;

import io.filejobs.jobs.Failure;
import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobEvents;
import io.filejobs.jobs.JobFailure;
import io.filejobs.jobs.JobRegistry;
import io.filejobs.jobs.Unattached;
import io.filejobs.storage.FileNames;
import io.filejobs.storage.Resumables;
import io.filejobs.storage.Resumables.Upload;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resumable uploads (tus) of this node's upload verticle: each user's unfinished upload lives
 * on the shared volume ({@link Resumables}) and holds the user's upload slot in every state; a
 * request that feeds it bytes is an {@link UploadJob} like any other (its slot claimed
 * cluster-wide, pause, terminate, status, events), whose bytes go into the upload's partial file
 * ({@link PartialFile}).
 *
 * <p>It answers the node-local {@code resumable.*} requests of {@link JobBus}; the uploads no
 * request feeds are {@link IdleUploads}' (their controls and their expiry).
 */
final class ResumableUploads {

  private static final Logger log = LoggerFactory.getLogger(ResumableUploads.class);

  /** Why a request that held an upload was closed: a newer one resumes it. */
  static final String TAKEN_OVER = "a newer request resumed this upload";

  private final Vertx vertx;
  private final Resumables resumables;
  private final JobRegistry jobs;
  private final JobEvents events;
  private final long maxBytes;
  private final Duration expiry;
  private final Jobs starter;
  private final IdleUploads idle;
  private long sweeper = -1;

  /**
   * Makes and starts the job of a request that appends to an upload; {@code paused} when the
   * request it takes over was paused by its owner.
   */
  @FunctionalInterface
  interface Jobs {
    Future<JsonObject> append(
        String user, Handoff handoff, PartialFile destination, boolean paused);
  }

  ResumableUploads(
      Vertx vertx,
      Resumables resumables,
      JobRegistry jobs,
      JobEvents events,
      long maxBytes,
      Duration expiry,
      Jobs starter) {
    this.vertx = vertx;
    this.resumables = resumables;
    this.jobs = jobs;
    this.events = events;
    this.maxBytes = maxBytes;
    this.expiry = expiry;
    this.starter = starter;
    this.idle = new IdleUploads(resumables, jobs, events, expiry);
  }

  /** The controls of an upload no request feeds. */
  Unattached unattached() {
    return idle;
  }

  /** Registers the node-local requests and starts the sweep. */
  Future<Void> serve(EventBus bus) {
    sweeper = vertx.setPeriodic(sweepMs(), id -> idle.sweep());
    return Future.all(
            bus.localConsumer(JobBus.RESUMABLE_CREATE, this::create).completion(),
            bus.localConsumer(JobBus.RESUMABLE_PROBE, this::probe).completion(),
            bus.localConsumer(JobBus.RESUMABLE_APPEND, this::append).completion(),
            bus.localConsumer(JobBus.RESUMABLE_REMOVE, this::remove).completion())
        .mapEmpty();
  }

  void stop() {
    vertx.cancelTimer(sweeper);
  }

  /** A tenth of the expiry time, between 1 s and 1 min: an upload outlives it by at most that. */
  private long sweepMs() {
    return Math.max(1000, Math.min(60_000, expiry.toMillis() / 10));
  }

  /**
   * Fails with 409 naming the user's unfinished resumable upload, if they have one: a new upload
   * (multipart) may not start meanwhile. Call while holding the user's slot.
   */
  Future<Void> noneUnfinished(String user) {
    return resumables
        .find(user)
        .compose(
            found ->
                found.isEmpty()
                    ? Future.succeededFuture()
                    : Future.failedFuture(
                        new JobFailure(Failure.CONFLICT, unfinished(found.get()))));
  }

  private static String unfinished(Upload upload) {
    return JobBus.unfinishedMessage(upload.id(), upload.name(), upload.offset());
  }

  // --- the node-local requests ---

  private void create(Message<JsonObject> message) {
    JsonObject body = message.body();
    String user = body.getString(JobBus.USER);
    long length = body.getLong(JobBus.LENGTH, -1L);
    Optional<String> name = FileNames.fromUpload(body.getString(JobBus.FILENAME));
    if (name.isEmpty()) {
      JobBus.fail(message, Failure.BAD_REQUEST, FileNames.UNUSABLE_MESSAGE);
      return;
    }
    if (length > maxBytes) {
      JobBus.fail(
          message,
          Failure.PAYLOAD_TOO_LARGE,
          "the file is larger than the limit of " + maxBytes + " bytes");
      return;
    }
    resumables
        .create(user, name.get(), length)
        .recover(
            e ->
                e instanceof Resumables.AlreadyThere there && there.existing() != null
                    ? Future.failedFuture(
                        new JobFailure(Failure.CONFLICT, unfinished(there.existing())))
                    : Future.failedFuture(e))
        // A multipart upload may have claimed the slot before the record was made: it checks
        // for the record once it holds the slot, so one of the two sees the other.
        .compose(
            made ->
                jobs.held(user)
                    .compose(
                        held ->
                            held
                                ? resumables
                                    .remove(made)
                                    .compose(
                                        v ->
                                            Future.<Upload>failedFuture(
                                                new JobFailure(
                                                    Failure.CONFLICT,
                                                    JobBus.alreadyRunning(JobBus.KIND_UPLOAD))))
                                : Future.succeededFuture(made)))
        .compose(made -> made.length() == 0 ? publishEmpty(made) : Future.succeededFuture(made))
        .onSuccess(
            made -> {
              log.info("resumable upload {} of {} by {} created", made.id(), made.name(), user);
              message.reply(describe(made));
            })
        .onFailure(e -> JobBus.fail(message, e));
  }

  /** An upload of no bytes is complete when it is made. */
  private Future<Upload> publishEmpty(Upload made) {
    return resumables.publish(made).map(made);
  }

  private void probe(Message<JsonObject> message) {
    String user = message.body().getString(JobBus.USER);
    String id = message.body().getString(JobBus.ID);
    // A paused request is left as it is: its owner's pause holds. Its bytes are all on the disk.
    jobs.interrupt(user, TAKEN_OVER, false)
        .compose(v -> found(user, id))
        .onSuccess(upload -> message.reply(describe(upload)))
        .onFailure(e -> JobBus.fail(message, e));
  }

  private Future<Upload> found(String user, String id) {
    return resumables
        .find(user, id)
        .compose(
            found ->
                found.isPresent()
                    ? Future.succeededFuture(found.get())
                    : Future.failedFuture(
                        new JobFailure(Failure.NOT_FOUND, JobBus.NO_SUCH_UPLOAD_MESSAGE)));
  }

  private void append(Message<JsonObject> message) {
    JsonObject body = message.body();
    String user = body.getString(JobBus.USER);
    Handoff handoff = Handoff.take(vertx, body.getString(JobBus.HANDOFF));
    if (user == null || handoff == null) {
      JobBus.fail(
          message, Failure.BAD_REQUEST, "the body needs a \"user\" and a parked \"handoff\"");
      return;
    }
    String algorithm = body.getString(JobBus.CHECKSUM_ALGORITHM);
    PartialFile.Request request =
        new PartialFile.Request(
            body.getString(JobBus.ID),
            body.getLong(JobBus.OFFSET),
            body.getLong(JobBus.LENGTH, -1L),
            body.getLong(JobBus.CONTENT_LENGTH, -1L),
            algorithm == null
                ? null
                : new PartialFile.Checksum(
                    algorithm, Base64.getDecoder().decode(body.getString(JobBus.CHECKSUM))));
    PartialFile destination = new PartialFile(vertx, resumables, user, request, maxBytes, expiry);
    jobs.interrupt(user, TAKEN_OVER, true)
        .recover(
            e -> {
              handoff.fail(asFailure(e));
              return Future.failedFuture(e);
            })
        .compose(
            was ->
                starter.append(
                    user,
                    handoff,
                    destination,
                    was != null && JobBus.PAUSED.equals(was.getString(JobBus.STATE))))
        .onSuccess(message::reply)
        .onFailure(e -> JobBus.fail(message, e));
  }

  private static JobFailure asFailure(Throwable e) {
    return e instanceof JobFailure f
        ? f
        : new JobFailure(Failure.LOCKED, JobBus.lockedMessage(JobBus.KIND_UPLOAD));
  }

  private void remove(Message<JsonObject> message) {
    String user = message.body().getString(JobBus.USER);
    String id = message.body().getString(JobBus.ID);
    found(user, id)
        // Whatever feeds it is terminated as by DELETE /upload/terminate, which removes it.
        .compose(
            upload ->
                vertx
                    .eventBus()
                    .<JsonObject>request(
                        JobBus.UPLOAD_TERMINATE,
                        new JsonObject().put(JobBus.USER, user),
                        JobBus.localOnly()))
        .onSuccess(reply -> message.reply(reply.body()))
        .onFailure(e -> JobBus.fail(message, e));
  }

  /** {@code {"id","filename","bytes","total","expiresAt"}}: where the upload stands. */
  private JsonObject describe(Upload upload) {
    return IdleUploads.summary(upload).put(JobBus.EXPIRES_AT, upload.expiresAt(expiry).toString());
  }
}
