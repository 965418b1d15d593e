package io.filejobs.upload;

import io.filejobs.jobs.Failure;
import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobEvents;
import io.filejobs.jobs.JobFailure;
import io.filejobs.jobs.JobLimits;
import io.filejobs.jobs.JobRegistry;
import io.filejobs.jobs.Lifecycle;
import io.filejobs.jobs.Lifecycle.Outcome;
import io.filejobs.jobs.Lifecycle.Phase;
import io.filejobs.jobs.Transfer;
import io.filejobs.storage.FileNames;
import io.filejobs.storage.Storage;
import io.filejobs.transport.BufferBudget;
import io.filejobs.transport.SocketBody;
import io.filejobs.transport.SocketReads;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upload: the file an {@link UploadSource} reads from one request (today the multipart field
 * {@code file}: {@link MultipartUpload}), streamed into a temp file of its own and published into
 * {@code Uploads/<user>/} once the whole request has arrived.
 *
 * <p>Its {@link Lifecycle} holds the slot, the phase, pause and the events; this class takes the
 * bytes from its source and owns the temp file, the size limit and the publish. Every way out
 * ({@link Lifecycle#end}) removes the temp file ({@link #cleanUp(JobFailure)}) and frees the slot.
 * Everything here runs on the request's context (see {@link Handoff}).
 */
final class UploadJob implements UploadSource.Listener {

  private static final Logger log = LoggerFactory.getLogger(UploadJob.class);

  /**
   * Bytes an upload may have in flight to its temp file and gathered for the next write before the
   * socket is no longer read ({@link GatheringWriter}): enough that the socket keeps delivering
   * while the worker pool writes, little enough to keep memory flat.
   */
  static final int WRITE_QUEUE_BYTES = 1024 * 1024;

  /**
   * {@link #WRITE_QUEUE_BYTES}, or less where the per-transfer bound ({@link
   * BufferBudget#perTransfer}) asks: an upload counts two gathered buffers (one being written, one
   * gathering), each of this size and a socket read more, and holds up to a read besides while its
   * body is paused.
   */
  private static int writeQueueBytes() {
    long room = (BufferBudget.perTransfer() - 3L * SocketReads.MAX_READ) / 2;
    return (int) Math.max(64 * 1024, Math.min(WRITE_QUEUE_BYTES, room));
  }

  static final String NO_ROOM = "the server has no room for this file now; nothing was stored";

  private final Vertx vertx;
  private final String user;
  private final Handoff handoff;
  private final HttpServerRequest request;
  private final Storage storage;
  private final long maxBytes;
  private final Lifecycle life;

  private Path tempFile;
  private AsyncFile file;
  private SocketBody body;
  private UploadSource source;
  private GatheringWriter writer;
  private Transfer transfer;
  private boolean fileEnded;
  private boolean requestEnded;

  UploadJob(
      Vertx vertx,
      String user,
      Handoff handoff,
      Storage storage,
      JobRegistry registry,
      JobEvents events,
      long maxBytes,
      JobLimits limits) {
    this.vertx = vertx;
    this.user = user;
    this.handoff = handoff;
    this.request = handoff.request();
    this.storage = storage;
    this.maxBytes = maxBytes;
    this.life =
        new Lifecycle(
                vertx,
                JobBus.KIND_UPLOAD,
                user,
                handoff,
                registry,
                events,
                limits,
                "; nothing was stored")
            .onCleanup(this::cleanUp);
  }

  /**
   * Claims the user's upload slot, opens the temp file and starts reading the request.
   *
   * @return the accepted job's summary, or a {@link JobFailure} (409 when the user already uploads,
   *     400 when the request is no longer open or not multipart, 500 when the temp file cannot be
   *     made); then nothing was stored
   */
  Future<JsonObject> start() {
    // Watch the client from the first moment: a close while the file opens must end the job too.
    request.response().closeHandler(v -> clientGone());
    request.exceptionHandler(this::requestFailed);
    if (request.response().ended() || request.response().closed()) {
      return Future.failedFuture(
          new JobFailure(Failure.CLIENT_CLOSED, "the request is no longer open"));
    }
    return life.claimThen(this::open);
  }

  private Future<JsonObject> open() {
    tempFile = storage.newTempFile();
    return vertx
        .fileSystem()
        .open(tempFile.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
        .recover(
            e -> {
              log.error("upload by {}: cannot create a temp file", user, e);
              return life.fail(Failure.INTERNAL_ERROR, "cannot store uploads now")
                  .compose(v -> Future.failedFuture(life.endedBy()));
            })
        .compose(
            opened -> {
              file = opened;
              if (life.phase() == Phase.ENDED) { // terminated, or the client left, meanwhile
                return cleanUp().compose(v -> Future.failedFuture(life.endedBy()));
              }
              try {
                receive();
                life.watch();
              } catch (JobFailure refused) { // a Content-Type with no usable boundary, say
                log.debug("upload by {}: {}", user, refused.getMessage());
                return life.end(new Outcome.Failed(refused))
                    .compose(v -> Future.failedFuture(life.endedBy()));
              }
              return Future.succeededFuture(
                  new JsonObject().put(JobBus.USER, user).put(JobBus.KIND, JobBus.KIND_UPLOAD));
            });
  }

  private void receive() {
    body =
        handoff.body() != null
            ? handoff.body()
            : SocketBody.of(request, BufferBudget.perTransfer());
    body.exceptionHandler(this::requestFailed);
    source = MultipartUpload.of(body, request.getHeader(HttpHeaders.CONTENT_TYPE));
    log.info("upload by {} started", user);
    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
      request.response().writeContinue();
    }
    source.start(this);
  }

  private boolean receiving() {
    return life.phase() == Phase.STARTING || life.phase() == Phase.MOVING;
  }

  @Override
  public void file(String clientName, ReadStream<Buffer> bytes) {
    if (!receiving()) {
      return; // refused or stopped: its bytes are dropped
    }
    Optional<String> name = FileNames.fromUpload(clientName);
    if (name.isEmpty()) {
      fail(
          Failure.BAD_REQUEST,
          "the file name cannot be stored: it must be a plain name, not empty, not starting"
              + " with a dot, with no slash, backslash, colon or control character");
      return;
    }
    life.named(name.get());
    log.debug("upload by {}: receiving {}", user, name.get());
    writer = new GatheringWriter(file, writeQueueBytes());
    transfer = new Transfer(bytes, writer, maxBytes);
    life.moving(transfer);
    transfer
        .start()
        .onSuccess(
            written -> {
              fileEnded = true;
              publishIfComplete();
            })
        .onFailure(this::transferFailed);
  }

  @Override
  public void ended() {
    requestEnded = true;
    if (!receiving()) {
      return;
    }
    if (transfer == null) {
      fail(Failure.BAD_REQUEST, "the request carries no file");
    } else {
      publishIfComplete(); // once the transfer has written the last byte
    }
  }

  @Override
  public void refused(JobFailure why) {
    if (receiving()) {
      log.info("upload by {} refused: {}", user, why.getMessage());
      life.end(new Outcome.Failed(why));
    }
  }

  private void transferFailed(Throwable cause) {
    String filename = life.filename();
    if (life.phase() != Phase.MOVING) {
      return; // stopped on purpose: terminated, refused or disconnected
    }
    if (cause instanceof Transfer.LimitExceeded) {
      fail(
          Failure.PAYLOAD_TOO_LARGE, "the file is larger than the limit of " + maxBytes + " bytes");
    } else if (Storage.isOutOfSpace(cause)) {
      log.error(
          "upload of {} by {}: no room on the disk after {} bytes: {}",
          filename,
          user,
          transfer.bytes(),
          cause.getMessage());
      fail(Failure.INSUFFICIENT_STORAGE, NO_ROOM);
    } else if (cause instanceof FileSystemException) {
      log.error("upload of {} by {}: cannot write the temp file", filename, user, cause);
      fail(Failure.INTERNAL_ERROR, "the file could not be written; nothing was stored");
    } else {
      log.info("upload of {} by {} broke off: {}", filename, user, cause.toString());
      fail(Failure.BAD_REQUEST, "the upload broke off before its end");
    }
  }

  private void publishIfComplete() {
    if (!fileEnded || !requestEnded || !life.finishing()) {
      return;
    }
    String filename = life.filename();
    long size = transfer.bytes();
    AsyncFile written = file;
    file = null; // closed here, whatever happens next
    written
        .close()
        .compose(v -> storage.publish(tempFile, user, filename))
        .onSuccess(
            path -> {
              log.info("upload by {} stored {} ({} bytes)", user, filename, size);
              life.end(new Outcome.Completed(life.summary(size)));
            })
        .onFailure(
            e -> {
              if (Storage.isOutOfSpace(e)) {
                log.error(
                    "upload by {}: no room on the disk to publish {}: {}",
                    user,
                    filename,
                    e.getMessage());
                fail(Failure.INSUFFICIENT_STORAGE, NO_ROOM);
              } else {
                log.error("upload by {}: cannot publish {}", user, filename, e);
                fail(Failure.INTERNAL_ERROR, "the file could not be stored");
              }
            });
  }

  private void requestFailed(Throwable cause) {
    if (receiving()) {
      log.info("upload by {} broke off: {}", user, cause.toString());
      fail(Failure.BAD_REQUEST, "the request body broke off or is not valid multipart form data");
    }
  }

  private void clientGone() {
    if (receiving()) {
      log.info("upload by {} broke off: the client went away", user);
      life.fail(Failure.CLIENT_CLOSED, "the client went away");
    }
  }

  private void fail(Failure failure, String message) {
    life.fail(failure, message);
  }

  /**
   * How an upload that ends with {@code why} cleans up, once its transfer has stopped: no more
   * bytes are read when it was cut off (terminated, or its node stopping: the HTTP layer closes the
   * connection), while a refused one's socket is read again and the rest of its body dropped as the
   * answer goes; the temp file is closed and removed.
   */
  private Future<Void> cleanUp(JobFailure why) {
    if (writer != null) {
      writer.discard();
    }
    if (source != null) {
      source.discard();
    }
    if (body != null) {
      body.discard(why.cutOff());
    } else if (why.cutOff()) {
      request.pause();
    }
    return cleanUp();
  }

  /**
   * Deletes the temp file (if made) and closes it (if still open); never fails. The two go side by
   * side: a close waits for the write under way, while the name can go at once (an open file
   * outlives its name). Both must be done before the job is over: only then is the file's room
   * given back.
   */
  private Future<Void> cleanUp() {
    Future<Void> closed = closeQuietly(file);
    file = null;
    Future<Void> deleted = tempFile == null ? Future.succeededFuture() : storage.delete(tempFile);
    return Future.join(closed, deleted).mapEmpty();
  }

  /** Closes {@code file} if there is one and it is open; never fails. */
  private static Future<Void> closeQuietly(AsyncFile file) {
    if (file == null) {
      return Future.succeededFuture();
    }
    try {
      return file.close().recover(e -> Future.succeededFuture());
    } catch (IllegalStateException e) {
      return Future.succeededFuture(); // already closed
    }
  }
}
