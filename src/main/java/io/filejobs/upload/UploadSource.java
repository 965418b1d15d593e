package io.filejobs.upload;

import io.filejobs.jobs.JobFailure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * Where an upload's file comes from: one adapter per way in (a multipart form, {@link
 * MultipartUpload}; a raw body or a tus request next). It reads its wire format and hands the
 * {@link UploadJob} the file, whose temp file, size limit, slot, pause and publish are the job's
 * alone. Everything runs on the request's context.
 */
interface UploadSource {

  /** What the source tells the job. */
  interface Listener {
    /**
     * The file begins: the name the client gave it (unchecked: the job applies the naming rules)
     * and its bytes, with back-pressure down to the socket. At most once.
     */
    void file(String clientName, ReadStream<Buffer> bytes);

    /** The request is whole: nothing comes after the file's last byte. */
    void ended();

    /** The request does not carry one usable file, or broke its format: why, for the client. */
    void refused(JobFailure why);
  }

  /** Starts reading the request, telling {@code listener} what comes. */
  void start(Listener listener);

  /** From now on drops whatever comes (the job has ended); tells the listener nothing more. */
  void discard();
}
