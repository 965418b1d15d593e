package io.filejobs.upload;

import io.filejobs.jobs.JobFailure;
import io.filejobs.jobs.Outcome;
import io.vertx.core.Future;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.json.JsonObject;

/**
 * Where an {@link UploadJob} writes its bytes, and what becomes of them: a fresh temp file
 * published whole once the request ends ({@link TempFile}, for the multipart upload), or a
 * resumable upload's partial file, which keeps every byte that reached it whatever happens to the
 * connection ({@link PartialFile}, for tus). The job owns the bytes' way there (the writer, the
 * size limit, pause, terminate); this owns the file. Everything runs on the job's context.
 */
interface Destination {

  /**
   * Opens the file the bytes go to, positioned where they go. Called once the user's slot is
   * claimed, so what it checks holds until the job ends.
   *
   * @return the open file; or a {@link JobFailure} when the upload cannot go on (nothing changed)
   */
  Future<AsyncFile> open();

  /** The name the file is stored under, when this destination knows it (else the source says). */
  String name();

  /** The bytes written before this request, counted in the job's figures. */
  long offset();

  /** The most bytes this request may write: one more ends the job with {@link #tooMuch()}. */
  long room();

  /** Why a request that brings more than {@link #room()} is refused. */
  JobFailure tooMuch();

  /** The file's whole length when known (a resumable upload's), for the job's status; or null. */
  default Long total() {
    return null;
  }

  /** Fields the job's status and events carry besides its own (a resumable upload's id). */
  default JsonObject facts() {
    return new JsonObject();
  }

  /**
   * Every byte of the request is in the file, now closed: publish it, or keep it for the next
   * request.
   *
   * @return how the job ends; or a {@link JobFailure} (then {@link #abandon} is called too)
   */
  Future<Outcome> finish(String filename, long bytes);

  /** Whether a job that ends early for {@code why} keeps what it wrote (its writes are flushed). */
  boolean keeps(JobFailure why);

  /**
   * The job ended early for {@code why}, its file closed: remove what it wrote, or keep it. Never
   * fails; completes once done.
   */
  Future<Void> abandon(JobFailure why);
}
