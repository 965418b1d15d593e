package io.filejobs.upload;

import io.filejobs.jobs.Failure;
import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobFailure;
import io.filejobs.jobs.Lifecycle;
import io.filejobs.jobs.Outcome;
import io.filejobs.jobs.Phase;
import io.filejobs.jobs.Transfer;
import io.filejobs.storage.FileNames;
import io.filejobs.storage.Storage;
import io.filejobs.transport.BufferBudget;
import io.filejobs.transport.SocketBody;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upload request: the file an {@link UploadSource} reads from it (a multipart form, {@link
 * MultipartUpload}; a raw body, {@link RawBody}), streamed with back-pressure into a {@link
 * Destination} (a temp file published whole, {@link TempFile}; a resumable upload's partial file,
 * {@link PartialFile}).
 *
 * <p>Its {@link Lifecycle} holds the slot, the phase, pause and the events; this class moves the
 * bytes from the source to the destination's file and ends the job with what the destination makes
 * of them. Every way out ({@link Lifecycle#end}) closes the file and lets the destination remove or
 * keep what was written ({@link #cleanUp(JobFailure)}). Everything here runs on the request's
 * context (see {@link Handoff}).
 */
final class UploadJob implements UploadSource.Listener {

  private static final Logger log = LoggerFactory.getLogger(UploadJob.class);

  static final String NO_ROOM = "the server has no room for this file now; nothing was stored";

  private final String user;
  private final Handoff handoff;
  private final HttpServerRequest request;
  private final Lifecycle life;
  private final Destination destination;
  private final Function<ReadStream<Buffer>, UploadSource> sources;

  private OpenFile file;
  private SocketBody body;
  private UploadSource source;
  private Transfer transfer;
  private boolean fileEnded;
  private boolean requestEnded;

  /**
   * @param life the job's lifecycle, made for this request's handoff; the job sets its cleanup
   * @param destination where the bytes go
   * @param sources reads the file from the request's body, once the destination is open
   */
  UploadJob(
      Handoff handoff,
      Lifecycle life,
      Destination destination,
      Function<ReadStream<Buffer>, UploadSource> sources) {
    this.user = life.user();
    this.handoff = handoff;
    this.request = handoff.request();
    this.life = life.onCleanup(this::cleanUp);
    this.destination = destination;
    this.sources = sources;
  }

  /**
   * Claims the user's upload slot, opens the destination and starts reading the request.
   *
   * @return the accepted job's summary, or a {@link JobFailure} (409 when the user already uploads,
   *     400 when the request is no longer open or not what its source reads, the destination's
   *     refusal, 500 when the file cannot be opened); then nothing was stored
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
    return destination
        .open()
        .recover(
            e -> {
              if (e instanceof JobFailure refused) {
                log.info("upload by {} refused: {}", user, refused.getMessage());
                return life.end(new Outcome.Failed(refused))
                    .compose(v -> Future.failedFuture(life.endedBy()));
              }
              log.error("upload by {}: cannot open its file", user, e);
              return life.fail(Failure.INTERNAL_ERROR, "cannot store uploads now")
                  .compose(v -> Future.failedFuture(life.endedBy()));
            })
        .compose(
            opened -> {
              file = new OpenFile(opened);
              life.resumesAt(destination.offset(), destination.facts());
              life.total(destination.total());
              if (life.phase() == Phase.ENDED) { // terminated, or the client left, meanwhile
                return cleanUp(life.endedBy()).compose(v -> Future.failedFuture(life.endedBy()));
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
    source = sources.apply(body);
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
      fail(Failure.BAD_REQUEST, FileNames.UNUSABLE_MESSAGE);
      return;
    }
    life.named(name.get());
    log.debug("upload by {}: receiving {}", user, name.get());
    transfer = new Transfer(bytes, file.writer(), destination.room());
    life.moving(transfer);
    transfer
        .start()
        .onSuccess(
            written -> {
              fileEnded = true;
              finishIfComplete();
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
      finishIfComplete(); // once the transfer has written the last byte
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
      life.end(new Outcome.Failed(destination.tooMuch()));
    } else if (Storage.isOutOfSpace(cause)) {
      log.error(
          "upload of {} by {}: no room on the disk after {} bytes: {}",
          filename,
          user,
          transfer.bytes(),
          cause.getMessage());
      fail(Failure.INSUFFICIENT_STORAGE, NO_ROOM);
    } else if (cause instanceof FileSystemException) {
      log.error("upload of {} by {}: cannot write its file", filename, user, cause);
      fail(Failure.INTERNAL_ERROR, "the file could not be written; nothing was stored");
    } else {
      log.info("upload of {} by {} broke off: {}", filename, user, cause.toString());
      fail(Failure.BAD_REQUEST, "the upload broke off before its end");
    }
  }

  private void finishIfComplete() {
    if (!fileEnded || !requestEnded || !life.finishing()) {
      return;
    }
    String filename = life.filename();
    long size = transfer.bytes();
    file.close()
        .compose(v -> destination.finish(filename, size))
        .onSuccess(
            outcome -> {
              if (outcome instanceof Outcome.Completed) {
                log.info("upload by {} stored {} ({} bytes)", user, filename, size);
              }
              life.end(outcome);
            })
        .onFailure(
            e -> {
              if (e instanceof JobFailure refused) {
                life.end(new Outcome.Failed(refused));
              } else if (Storage.isOutOfSpace(e)) {
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
      fail(
          Failure.BAD_REQUEST,
          source instanceof MultipartUpload
              ? "the request body broke off or is not valid multipart form data"
              : "the request body broke off before its end");
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
   * bytes are read when it was cut off (terminated, taken over, or its node stopping: the HTTP
   * layer closes the connection), while a refused one's socket is read again and the rest of its
   * body dropped as the answer goes; then the file is closed, and the destination removes or keeps
   * what was written.
   */
  private Future<Void> cleanUp(JobFailure why) {
    if (source != null) {
      source.discard();
    }
    if (body != null) {
      body.discard(why.cutOff());
    } else if (why.cutOff()) {
      request.pause();
    }
    if (file == null) { // never opened
      return destination.abandon(why);
    }
    if (destination.keeps(why)) {
      return file.keep().compose(v -> destination.abandon(why));
    }
    // Side by side: a close waits for the write under way, while the name can go at once (an open
    // file outlives its name). Both must be done before the job is over: only then is the room
    // given back.
    return Future.join(file.drop(), destination.abandon(why)).mapEmpty();
  }
}
