package io.filejobs.jobs;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.slf4j.LoggerFactory;

/**
 * The event-bus contract of filejobs: every address, JSON field and failure code. Bodies are JSON
 * objects; a failed request is {@code message.fail(code, text)} with an HTTP-like code.
 *
 * <table>
 *   <caption>Requests</caption>
 *   <tr><th>address</th><th>body</th><th>reply</th><th>failures</th></tr>
 *   <tr><td>{@value #UPLOAD_TERMINATE}</td><td>{@code {"user"}}</td>
 *       <td>{@code {"user","kind","filename","bytes"}}</td><td>404 no upload, 409 already
 *       complete, 400 bad body</td></tr>
 *   <tr><td>{@value #EXPORT_TERMINATE}</td><td>{@code {"user"}}</td>
 *       <td>{@code {"user","kind","filename","bytes"}}</td><td>404 no export, 400 bad body</td></tr>
 *   <tr><td>{@value #UPLOAD_START}</td><td>{@code {"user","handoff"}}</td>
 *       <td>{@code {"user","kind"}} once the job runs</td><td>409 job running, 400, 500</td></tr>
 *   <tr><td>{@value #EXPORT_START}</td><td>{@code {"user","filename","handoff"}}</td>
 *       <td>{@code {"user","kind","filename","total"}} once the job runs</td>
 *       <td>409 job running, 404 no such file, 400, 500</td></tr>
 * </table>
 *
 * <p>The two start requests carry the id of a {@link Handoff} (the HTTP request whose bytes the job
 * moves), which lives in this process only: they are sent local-only by the HTTP verticle. The
 * terminate requests can come from anything on the bus.
 */
public final class JobBus {

  public static final String UPLOAD_START = "filejobs.upload.start";
  public static final String UPLOAD_TERMINATE = "filejobs.upload.terminate";
  public static final String EXPORT_START = "filejobs.export.start";
  public static final String EXPORT_TERMINATE = "filejobs.export.terminate";

  public static final String USER = "user";
  public static final String KIND = "kind";
  public static final String FILENAME = "filename";
  public static final String BYTES = "bytes";
  public static final String TOTAL = "total";
  public static final String HANDOFF = "handoff";

  public static final String KIND_UPLOAD = "upload";
  public static final String KIND_EXPORT = "export";

  /** The request body is not what the address expects. */
  public static final int BAD_REQUEST = 400;

  /** No such job, or no such file to export. */
  public static final int NOT_FOUND = 404;

  /** The user already runs a job of this kind, or the job can no longer be stopped. */
  public static final int CONFLICT = 409;

  /** The upload is larger than the configured maximum. */
  public static final int TOO_LARGE = 413;

  /** A fault of the server itself (a file that cannot be opened or written, ...). */
  public static final int FAILED = 500;

  private JobBus() {}

  /** Options for the start requests: this process only, and a short answer. */
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
