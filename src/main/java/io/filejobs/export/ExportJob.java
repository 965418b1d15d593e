package io.filejobs.export;

import io.filejobs.jobs.Failure;
import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobEvents;
import io.filejobs.jobs.JobFailure;
import io.filejobs.jobs.JobLimits;
import io.filejobs.jobs.JobRegistry;
import io.filejobs.jobs.Lifecycle;
import io.filejobs.jobs.Outcome;
import io.filejobs.jobs.Phase;
import io.filejobs.jobs.Transfer;
import io.filejobs.storage.Storage;
import io.filejobs.transport.BufferBudget;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One export: a stored file of the user, written with back-pressure (the file is read only as fast
 * as the client takes it) into the stream its exchange opens for it ({@link Handoff#answer}: the
 * HTTP layer sets the answer's status and headers).
 *
 * <p>Its {@link Lifecycle} holds the slot, the phase, pause and the events; this class reads the
 * file and writes it to the response. Everything here runs on the request's context (see {@link
 * Handoff}).
 */
final class ExportJob {

  private static final Logger log = LoggerFactory.getLogger(ExportJob.class);

  /** Bytes read from the file at a time, into pooled direct memory ({@link FileSource}). */
  static final int READ_BUFFER = 256 * 1024;

  /**
   * {@link #READ_BUFFER}, or a quarter of the per-transfer bound if that is less: a stalled export
   * holds one read queued on its socket and at most a few KiB more.
   */
  private static int readSize() {
    return (int) Math.min(READ_BUFFER, BufferBudget.perTransfer() / 4);
  }

  private final Vertx vertx;
  private final String user;
  private final String filename;
  private final Handoff handoff;
  private final HttpServerResponse response;
  private final Storage storage;
  private final Lifecycle life;

  private FileSource file;

  ExportJob(
      Vertx vertx,
      String user,
      String filename,
      Handoff handoff,
      Storage storage,
      JobRegistry registry,
      JobEvents events,
      JobLimits limits) {
    this.vertx = vertx;
    this.user = user;
    this.filename = filename;
    this.handoff = handoff;
    this.response = handoff.request().response();
    this.storage = storage;
    this.life =
        new Lifecycle(vertx, JobBus.KIND_EXPORT, user, handoff, registry, events, limits, "")
            .onCleanup(why -> closeFile());
    life.named(filename);
  }

  /**
   * Claims the user's export slot, opens the file and starts sending it.
   *
   * @return the accepted job's summary ({@code total} is the file's size), or a {@link JobFailure}:
   *     409 when the user already exports, 404 when there is no such file; then nothing was sent
   */
  Future<JsonObject> start() {
    // Watch the client from the first moment: a close while the file opens must end the job too.
    response.closeHandler(v -> clientGone());
    if (response.ended() || response.closed()) {
      return Future.failedFuture(
          new JobFailure(Failure.CLIENT_CLOSED, "the request is no longer open"));
    }
    return life.claimThen(this::open);
  }

  private Future<JsonObject> open() {
    JobFailure noSuchFile = new JobFailure(Failure.NOT_FOUND, "you have no file named " + filename);
    return storage
        .storedFile(user, filename)
        .compose(path -> FileSource.open(vertx, path, readSize()))
        .compose(this::sendUnlessEnded)
        .recover(
            e -> {
              if (life.phase() == Phase.ENDED) { // terminated, or the client left, meanwhile
                return Future.failedFuture(life.endedBy() != null ? life.endedBy() : e);
              }
              if (life.phase() != Phase.STARTING) {
                return Future.failedFuture(e); // bytes had begun: claimThen ends the job
              }
              JobFailure failure = noSuchFile;
              if (!Storage.isNoSuchFile(e)) { // "no such file" includes refused names and links
                log.error("export of {} by {}: cannot open the file", filename, user, e);
                failure = new JobFailure(Failure.INTERNAL_ERROR, "the file cannot be read now");
              }
              JobFailure why = failure; // never moved: it announces nothing
              return life.end(new Outcome.Failed(why)).transform(v -> Future.failedFuture(why));
            });
  }

  private Future<JsonObject> sendUnlessEnded(FileSource opened) {
    if (life.phase() == Phase.ENDED) { // terminated, or the client left, while the file opened
      return opened.close().transform(v -> Future.failedFuture(life.endedBy()));
    }
    return Future.succeededFuture(send(opened));
  }

  private JsonObject send(FileSource opened) {
    file = opened;
    long size = opened.length();
    life.total(size);
    log.info("export of {} ({} bytes) by {} started", filename, size, user);
    // The HTTP layer opens the answer (status, headers); the bytes go into what it returns.
    WriteStream<Buffer> sink =
        handoff.answer(new JsonObject().put(JobBus.FILENAME, filename).put(JobBus.TOTAL, size));
    Transfer sending = new Transfer(file, sink, size).whenWritten(FileSource::release);
    life.watch();
    life.moving(sending);
    sending
        .start()
        .compose(
            bytes -> {
              if (life.phase() != Phase.MOVING) {
                return Future.failedFuture("stopped");
              }
              if (bytes != size) { // truncated while it was sent (a publish never does that)
                return Future.failedFuture(
                    new FileSystemException(
                        "the file shrank from "
                            + size
                            + " to "
                            + bytes
                            + " bytes while it was sent"));
              }
              life.finishing();
              // Every byte is with the socket: free the slot before the response ends, so that a
              // client that asks again the moment it has the file finds the export over.
              return closeAndRelease().compose(v -> sink.end()).map(bytes);
            })
        .onSuccess(this::finished)
        .onFailure(this::transferFailed);
    return life.summary(0).put(JobBus.TOTAL, size);
  }

  /**
   * Closes the file and frees the slot side by side (the close waits for the read under way, on a
   * worker; the slot need not wait for it); completes once both are done. Never fails.
   */
  private Future<Void> closeAndRelease() {
    Future<Void> closed = closeFile();
    return Future.join(closed, life.release(closed)).mapEmpty();
  }

  /** Closes the file, if open; never fails. How an export cleans up, whatever ends it. */
  private Future<Void> closeFile() {
    return file == null ? Future.succeededFuture() : file.close();
  }

  private void finished(long bytes) {
    if (life.phase() != Phase.FINISHING) {
      return;
    }
    log.info("export of {} by {} completed ({} bytes)", filename, user, bytes);
    life.end(new Outcome.Completed(life.summary(bytes)));
  }

  private void transferFailed(Throwable cause) {
    if (life.phase() != Phase.MOVING && life.phase() != Phase.FINISHING) {
      return; // stopped on purpose
    }
    if (life.phase() == Phase.FINISHING) {
      clientGone(); // only ending the response can fail now
      return;
    }
    if (cause instanceof FileSystemException || cause instanceof Transfer.LimitExceeded) {
      log.error(
          "export of {} by {} broke off: the file could not be read whole", filename, user, cause);
      life.fail(Failure.INTERNAL_ERROR, "the file could not be read whole");
    } else {
      log.debug("export of {} by {}: the response failed", filename, user, cause);
      clientGone(); // the response could not be written: the connection is gone
    }
  }

  private void clientGone() {
    if (life.phase() == Phase.FINISHING) {
      // Every byte was already handed to the socket: a client that closes now (curl does, the
      // moment it has Content-Length bytes) has the file; this is no failure.
      finished(life.bytes());
      return;
    }
    if (life.phase() != Phase.ENDED) {
      log.info("export of {} by {} broke off: the client went away", filename, user);
      life.fail(Failure.CLIENT_CLOSED, "the client went away");
    }
  }
}
