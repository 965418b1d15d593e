package io.filejobs.jobs;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.slf4j.LoggerFactory;

/**
 * The event-bus contract of filejobs: every address, JSON field and failure code. Bodies are JSON
 * objects; a failed request is {@code message.fail(code, text)} with an HTTP-like code. The README
 * documents each request with its reply and each event with a sample.
 *
 * <p>Control requests ({@code terminate}, {@code pause}, {@code resume}, {@code status}) take
 * {@code {"user"}} and may come from anything on the bus. The two {@code start} requests carry the
 * id of a {@link Handoff} (the HTTP request whose bytes the job moves), which lives in this
 * process only: the HTTP verticle sends them local-only.
 */
public final class JobBus {

  public static final String UPLOAD_START = "filejobs.upload.start";
  public static final String UPLOAD_TERMINATE = "filejobs.upload.terminate";
  public static final String UPLOAD_PAUSE = "filejobs.upload.pause";
  public static final String UPLOAD_RESUME = "filejobs.upload.resume";
  public static final String UPLOAD_STATUS = "filejobs.upload.status";
  public static final String EXPORT_START = "filejobs.export.start";
  public static final String EXPORT_TERMINATE = "filejobs.export.terminate";
  public static final String EXPORT_PAUSE = "filejobs.export.pause";
  public static final String EXPORT_RESUME = "filejobs.export.resume";
  public static final String EXPORT_STATUS = "filejobs.export.status";
  /** {@code {"user"}} answers {@code {"files": [{"name","size","modified"}]}}. */
  public static final String FILES = "filejobs.files";

  /** Every job event of every user is published here. */
  public static final String EVENTS = "filejobs.events";

  /** The job events of one user are also published on this address. */
  public static String userEvents(String user) {
    return EVENTS + ".user." + user;
  }

  public static final String USER = "user";
  public static final String KIND = "kind";
  public static final String FILENAME = "filename";
  public static final String BYTES = "bytes";
  public static final String TOTAL = "total";
  public static final String HANDOFF = "handoff";
  public static final String STATE = "state";
  public static final String STARTED_AT = "startedAt";
  public static final String BYTES_PER_SECOND = "bytesPerSecond";
  public static final String EVENT = "event";
  public static final String AT = "at";
  public static final String FILES_FIELD = "files";

  public static final String KIND_UPLOAD = "upload";
  public static final String KIND_EXPORT = "export";
  public static final String RUNNING = "running";
  public static final String PAUSED = "paused";

  /** The request body is not what the address expects. */
  public static final int BAD_REQUEST = 400;

  /** No such job, or no such file to export. */
  public static final int NOT_FOUND = 404;

  /** A job of this kind runs already, or the job is not in a state for this request. */
  public static final int CONFLICT = 409;

  /** The upload is larger than the configured maximum. */
  public static final int TOO_LARGE = 413;

  /** A fault of the server itself (a file that cannot be opened or written, ...). */
  public static final int FAILED = 500;

  public static final int INSUFFICIENT_STORAGE = 507;

  /** The node that runs the job does not answer (it may have just died). */
  public static final int UNAVAILABLE = 503;

  private JobBus() {}

  /** Options for a request that stays in this process (the start requests, the HTTP calls). */
  public static DeliveryOptions localOnly() {
    return new DeliveryOptions().setLocalOnly(true);
  }

  /** Fails {@code message} with the status of a {@link JobFailure}, or 500 for anything else. */
  public static void fail(Message<?> message, Throwable cause) {
    if (cause instanceof JobFailure f) {
      message.fail(f.status(), f.getMessage());
    } else {
      LoggerFactory.getLogger(JobBus.class)
          .error("request to {} failed unexpectedly", message.address(), cause);
      message.fail(FAILED, "internal error");
    }
  }
}
