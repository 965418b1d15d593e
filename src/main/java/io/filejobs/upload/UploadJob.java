package io.filejobs.upload;

import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBase;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobFailure;
import io.filejobs.jobs.JobRegistry;
import io.filejobs.jobs.Transfer;
import io.filejobs.storage.FileNames;
import io.filejobs.storage.Storage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upload: the multipart field {@code file} of one request, streamed into a temp file of its
 * own and published into {@code Uploads/<user>/} once the whole request has arrived.
 *
 * <p>Everything here runs on the request's context (see {@link Handoff}); {@link #terminate()} hops
 * there from any thread.
 */
final class UploadJob extends JobBase {

  private static final Logger log = LoggerFactory.getLogger(UploadJob.class);

  /** The form field that carries the file, as in the original API. */
  static final String FIELD = "file";

  private enum State {
    STARTING,
    RECEIVING,
    PUBLISHING,
    ENDED
  }

  private final Vertx vertx;
  private final HttpServerRequest request;
  private final Storage storage;
  private final long maxBytes;
  private final Promise<Void> requestEnded = Promise.promise();

  private State state = State.STARTING;
  private Path tempFile;
  private AsyncFile file;
  private Transfer transfer;
  private String filename;

  UploadJob(
      Vertx vertx,
      String user,
      Handoff handoff,
      Storage storage,
      JobRegistry registry,
      long maxBytes) {
    super(JobBus.KIND_UPLOAD, user, handoff, registry);
    this.vertx = vertx;
    this.request = handoff.request();
    this.storage = storage;
    this.maxBytes = maxBytes;
  }

  /**
   * Claims the user's upload slot, opens the temp file and starts reading the request.
   *
   * @return the accepted job's summary, or a {@link JobFailure} (409 when the user already
   *     uploads, 500 when the temp file cannot be made); then nothing was read
   */
  Future<JsonObject> start() {
    return claim().compose(v -> open());
  }

  private Future<JsonObject> open() {
    tempFile = storage.newTempFile();
    return vertx
        .fileSystem()
        .open(tempFile.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
        .recover(
            e -> {
              log.error("upload by {}: cannot create a temp file", user, e);
              registry.release(this);
              return Future.failedFuture(
                  new JobFailure(JobBus.FAILED, "internal_error", "cannot store uploads now"));
            })
        .compose(
            opened -> {
              file = opened;
              if (state == State.ENDED) { // terminated while the file was being opened
                return cleanUp()
                    .compose(
                        v ->
                            Future.failedFuture(
                                new JobFailure(
                                    JobBus.CONFLICT, JobFailure.TERMINATED, "upload terminated")));
              }
              receive();
              return Future.succeededFuture(
                  new JsonObject().put(JobBus.USER, user).put(JobBus.KIND, JobBus.KIND_UPLOAD));
            });
  }

  private void receive() {
    state = State.RECEIVING;
    log.info("upload by {} started", user);
    request.setExpectMultipart(true);
    request.uploadHandler(this::onPart);
    request.exceptionHandler(this::requestFailed);
    request.endHandler(v -> requestEnded.tryComplete());
    request.response().closeHandler(v -> clientGone());
    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
      request.response().writeContinue();
    }
    requestEnded
        .future()
        .onSuccess(
            v -> {
              if (transfer == null) {
                fail(400, "bad_request", "the form has no file in a field named \"file\"");
              }
            });
    request.resume();
  }

  private void onPart(HttpServerFileUpload upload) {
    if (state != State.RECEIVING) {
      upload.pause();
      return;
    }
    if (transfer != null) {
      fail(400, "bad_request", "send one file per upload");
      return;
    }
    if (!FIELD.equals(upload.name())) {
      fail(400, "bad_request", "send the file in the form field \"file\"");
      return;
    }
    Optional<String> name = FileNames.fromUpload(upload.filename());
    if (name.isEmpty()) {
      fail(
          400,
          "bad_request",
          "the file name cannot be stored: it must be a plain name, not empty, not starting"
              + " with a dot, with no slash, backslash, colon or control character");
      return;
    }
    filename = name.get();
    log.debug("upload by {}: receiving {}", user, filename);
    transfer = new Transfer(upload, file, maxBytes);
    Future.all(transfer.start(), requestEnded.future())
        .onSuccess(v -> publish())
        .onFailure(this::transferFailed);
  }

  private void transferFailed(Throwable cause) {
    if (state != State.RECEIVING) {
      return; // stopped on purpose: terminated, refused or disconnected
    }
    if (cause instanceof Transfer.LimitExceeded) {
      fail(413, "payload_too_large", "the file is larger than the limit of " + maxBytes + " bytes");
    } else if (cause instanceof io.vertx.core.file.FileSystemException) {
      log.error("upload of {} by {}: cannot write the temp file", filename, user, cause);
      fail(500, "internal_error", "the file could not be written");
    } else {
      log.info("upload of {} by {} broke off: {}", filename, user, cause.toString());
      fail(400, "bad_request", "the upload broke off before its end");
    }
  }

  private void publish() {
    if (state != State.RECEIVING) {
      return;
    }
    state = State.PUBLISHING;
    long size = transfer.bytes();
    file.close()
        .compose(v -> storage.publish(tempFile, user, filename))
        .onSuccess(
            path -> {
              state = State.ENDED;
              registry.release(this);
              log.info("upload by {} stored {} ({} bytes)", user, filename, size);
              handoff.complete(
                  new JsonObject()
                      .put(JobBus.USER, user)
                      .put(JobBus.FILENAME, filename)
                      .put(JobBus.BYTES, size));
            })
        .onFailure(
            e -> {
              log.error("upload by {}: cannot publish {}", user, filename, e);
              state = State.RECEIVING; // so that fail() cleans up
              fail(500, "internal_error", "the file could not be stored");
            });
  }

  private void requestFailed(Throwable cause) {
    if (state == State.RECEIVING) {
      log.info("upload by {} broke off: {}", user, cause.toString());
      fail(400, "bad_request", "the request body broke off or is not valid multipart form data");
    }
  }

  private void clientGone() {
    if (state == State.RECEIVING) {
      log.info("upload by {} broke off: the client went away", user);
      end(new JobFailure(400, "client_closed", "the client went away"));
    }
  }

  private void fail(int status, String code, String message) {
    end(new JobFailure(status, code, message));
  }

  /** Stops reading, removes the temp file, frees the slot and ends the exchange with failure. */
  private Future<Void> end(JobFailure failure) {
    if (state == State.ENDED) {
      return Future.succeededFuture();
    }
    state = State.ENDED;
    if (transfer != null) {
      transfer.stop();
    }
    request.pause();
    return cleanUp()
        .onComplete(
            v -> {
              registry.release(this);
              handoff.fail(failure);
            });
  }

  private Future<Void> cleanUp() {
    Future<Void> closed = file == null ? Future.succeededFuture() : file.close().recover(e -> null);
    return tempFile == null ? closed : closed.compose(v -> storage.delete(tempFile));
  }

  @Override
  protected void terminateHere(Promise<JsonObject> answer) {
    switch (state) {
      case PUBLISHING -> answer.fail(
          new JobFailure(
              JobBus.CONFLICT,
              "conflict",
              "the upload of " + filename + " is complete and being stored"));
      case ENDED -> answer.fail(nothingRunning());
      default -> {
        long bytes = transfer == null ? 0 : transfer.bytes();
        String what = filename == null ? "your upload" : "the upload of " + filename;
        log.info("upload by {} terminated after {} bytes", user, bytes);
        end(new JobFailure(
                JobBus.CONFLICT,
                JobFailure.TERMINATED,
                what + " was terminated after " + bytes + " bytes; nothing was stored"))
            .onComplete(v -> answer.complete(summary(filename, bytes)));
      }
    }
  }
}
