package io.filejobs.upload;

import io.filejobs.jobs.Failure;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobFailure;
import io.filejobs.jobs.Outcome;
import io.filejobs.storage.Resumables;
import io.filejobs.storage.Resumables.Upload;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A resumable upload's partial file (see {@link Resumables}), as one request appends to it: the
 * request must start where the bytes so far end, may not pass the upload's length, and every byte
 * that reaches the file is kept whatever happens to the connection, unless the owner terminates the
 * upload (then it is removed) or the request named a checksum its bytes do not match (then its
 * bytes are cut off again). When the last byte arrives, the file is published.
 */
final class PartialFile implements Destination {

  private static final Logger log = LoggerFactory.getLogger(PartialFile.class);

  /** What one request asks of the upload, from its headers. */
  record Request(
      String id, long offset, long declaredLength, long contentLength, Checksum checksum) {}

  /** A checksum a request names ({@code Upload-Checksum}): its algorithm and expected digest. */
  record Checksum(String algorithm, byte[] expected) {
    MessageDigest digest() {
      try {
        return MessageDigest.getInstance(algorithm);
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(algorithm, e); // checked at the door
      }
    }
  }

  private final Vertx vertx;
  private final Resumables resumables;
  private final String user;
  private final Request request;
  private final long maxBytes;
  private final Duration expiry;
  private final MessageDigest digest;
  private Upload upload;

  PartialFile(
      Vertx vertx,
      Resumables resumables,
      String user,
      Request request,
      long maxBytes,
      Duration expiry) {
    this.vertx = vertx;
    this.resumables = resumables;
    this.user = user;
    this.request = request;
    this.maxBytes = maxBytes;
    this.expiry = expiry;
    this.digest = request.checksum() == null ? null : request.checksum().digest();
  }

  /** The digest the request's bytes are to be fed into, when it named a checksum; else null. */
  MessageDigest digest() {
    return digest;
  }

  /** The upload as this request found it, once {@link #open} has read it. */
  Upload upload() {
    return upload;
  }

  @Override
  public Future<AsyncFile> open() {
    return resumables
        .find(user, request.id())
        .compose(
            found -> {
              if (found.isEmpty()) {
                return Future.failedFuture(
                    new JobFailure(Failure.NOT_FOUND, JobBus.NO_SUCH_UPLOAD_MESSAGE));
              }
              return accept(found.get());
            })
        .compose(
            accepted -> {
              upload = accepted;
              return vertx
                  .fileSystem()
                  .open(resumables.partial(upload).toString(), new OpenOptions().setWrite(true));
            })
        .map(file -> file.setWritePos(upload.offset()));
  }

  /** Checks the request against the upload as it is; declares its length when the request does. */
  private Future<Upload> accept(Upload found) {
    if (found.offset() != request.offset()) {
      return Future.failedFuture(
          new JobFailure(
              Failure.OFFSET_MISMATCH,
              "Upload-Offset is "
                  + request.offset()
                  + " but the upload has "
                  + found.offset()
                  + " bytes: ask with HEAD and send from there"));
    }
    long declared = request.declaredLength();
    if (declared >= 0 && found.lengthKnown() && declared != found.length()) {
      return Future.failedFuture(
          new JobFailure(Failure.BAD_REQUEST, "Upload-Length cannot change once it is set"));
    }
    if (declared >= 0 && declared < found.offset()) {
      return Future.failedFuture(
          new JobFailure(Failure.BAD_REQUEST, "Upload-Length is less than the bytes so far"));
    }
    Future<Upload> known =
        declared >= 0 && !found.lengthKnown()
            ? resumables.declareLength(found, declared)
            : Future.succeededFuture(found);
    return known.compose(
        u -> {
          long room = room(u);
          if (request.contentLength() > room) {
            return Future.failedFuture(
                new JobFailure(
                    Failure.BAD_REQUEST,
                    "the request carries "
                        + request.contentLength()
                        + " bytes but the upload has room for "
                        + room
                        + " more"));
          }
          return Future.succeededFuture(u);
        });
  }

  private long room(Upload u) {
    return (u.lengthKnown() ? u.length() : maxBytes) - u.offset();
  }

  @Override
  public String name() {
    return upload.name();
  }

  @Override
  public long offset() {
    return upload == null ? request.offset() : upload.offset();
  }

  @Override
  public long room() {
    return room(upload);
  }

  @Override
  public JobFailure tooMuch() {
    return upload.lengthKnown()
        ? new JobFailure(
            Failure.BAD_REQUEST,
            "the request carries more bytes than Upload-Length leaves room for; the bytes before"
                + " the excess were kept")
        : new JobFailure(
            Failure.PAYLOAD_TOO_LARGE,
            "the file is larger than the limit of " + maxBytes + " bytes");
  }

  @Override
  public Long total() {
    return upload.lengthKnown() ? upload.length() : null;
  }

  @Override
  public JsonObject facts() {
    return new JsonObject().put(JobBus.ID, upload.id());
  }

  @Override
  public Future<Outcome> finish(String filename, long bytes) {
    long offset = upload.offset() + bytes;
    if (digest != null && !Arrays.equals(digest.digest(), request.checksum().expected())) {
      log.info("upload {} of {}: the request's bytes do not match its checksum", upload.id(), user);
      return Future.failedFuture( // abandon() cuts them off
          new JobFailure(
              Failure.CHECKSUM_MISMATCH,
              "the bytes do not match Upload-Checksum: none of them were kept"));
    }
    if (upload.lengthKnown() && offset == upload.length()) {
      return resumables.publish(upload).map(path -> new Outcome.Completed(result(offset, true)));
    }
    return Future.succeededFuture(new Outcome.Interrupted(result(offset, false)));
  }

  /** What the request is answered with: {@code {"id","bytes","completed","expiresAt"}}. */
  private JsonObject result(long offset, boolean completed) {
    return new JsonObject()
        .put(JobBus.USER, user)
        .put(JobBus.KIND, JobBus.KIND_UPLOAD)
        .put(JobBus.FILENAME, upload.name())
        .put(JobBus.ID, upload.id())
        .put(JobBus.BYTES, offset)
        .put(JobBus.TOTAL, upload.lengthKnown() ? upload.length() : null)
        .put(JobBus.COMPLETED, completed)
        .put(JobBus.EXPIRES_AT, Instant.now().plus(expiry).toString());
  }

  @Override
  public boolean keeps(JobFailure why) {
    return why.failure() != Failure.TERMINATED && digest == null;
  }

  @Override
  public Future<Void> abandon(JobFailure why) {
    if (upload == null) {
      return Future.succeededFuture(); // refused before it was opened: nothing changed
    }
    if (why.failure() == Failure.TERMINATED) {
      return resumables.remove(upload);
    }
    if (digest != null) {
      // Bytes that cannot be checked are not kept: the upload is as it was before this request.
      return resumables
          .truncate(upload, upload.offset())
          .recover(
              e -> {
                log.error("upload {} of {}: cannot cut off unchecked bytes", upload.id(), user, e);
                return Future.succeededFuture();
              });
    }
    return Future.succeededFuture();
  }
}
