package io.filejobs.jobs;

/**
 * Every way a call can fail, each with the HTTP status it answers and the code of its JSON error
 * answer ({@code {"error": "<code>", "message": ...}}). The one vocabulary of failures: jobs end
 * with them ({@link JobFailure}), the event bus carries them ({@link FailureReply}), and the HTTP
 * layer renders them, in one place.
 */
public enum Failure {
  /** The request cannot be understood: bad JSON, a missing field, a broken form or body. */
  BAD_REQUEST(400, "bad_request"),
  /** The client went away (or its request was no longer open) before the job could answer. */
  CLIENT_CLOSED(400, "client_closed"),
  /** No token, one this service did not issue or that expired, or wrong credentials. */
  UNAUTHORIZED(401, "unauthorized"),
  /** The caller may not do this. */
  FORBIDDEN(403, "forbidden"),
  /** No such call, no such file of this user, or no job of this kind running. */
  NOT_FOUND(404, "not_found"),
  /** The call exists, but not with this method. */
  METHOD_NOT_ALLOWED(405, "method_not_allowed"),
  /** No byte moved for the idle time: the transfer was ended. */
  TIMEOUT(408, "timeout"),
  /** A job of this kind runs already, or the job is not in a state for this request. */
  CONFLICT(409, "conflict"),
  /** The owner terminated the job (or it was paused for longer than allowed). */
  TERMINATED(409, "terminated"),
  /** A request to a resumable upload does not start where its bytes so far end (tus). */
  OFFSET_MISMATCH(409, "offset_mismatch"),
  /** A newer request resumed this upload: this one's connection is closed, its bytes kept. */
  SUPERSEDED(409, "superseded"),
  /** The resumable upload was terminated or expired: nothing more can be sent to it. */
  GONE(410, "gone"),
  /** The request asks for a protocol version this service does not speak (tus). */
  UNSUPPORTED_VERSION(412, "unsupported_version"),
  /** The body, or the file in it, is larger than allowed. */
  PAYLOAD_TOO_LARGE(413, "payload_too_large"),
  /** The request line is longer than allowed. */
  URI_TOO_LONG(414, "uri_too_long"),
  /** The body is not of the type this call takes. */
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type"),
  /** The request expects something other than {@code 100-continue} (RFC 9110 §10.1.1). */
  EXPECTATION_FAILED(417, "expectation_failed"),
  /** Another request holds the upload and cannot be made to let go now: try again (tus). */
  LOCKED(423, "locked"),
  /** Too many failed sign-ins: try again after Retry-After. */
  TOO_MANY_REQUESTS(429, "too_many_requests"),
  /** The request's headers are larger than allowed. */
  HEADERS_TOO_LARGE(431, "headers_too_large"),
  /** The body does not match the checksum its request named: none of its bytes were kept (tus). */
  CHECKSUM_MISMATCH(460, "checksum_mismatch"),
  /** A fault of the server itself: a file that cannot be opened or written, a bug. */
  INTERNAL_ERROR(500, "internal_error"),
  /** The node that runs the job does not answer, or the service cannot take the request now. */
  UNAVAILABLE(503, "unavailable"),
  /** The job's node is stopping: try again in a moment (elsewhere, behind a load balancer). */
  STOPPING(503, "stopping"),
  /** The node's budget for transfer buffers has no room for another transfer now. */
  BUSY(503, "busy"),
  /** The disk has no room for the file (full, over quota, or past the largest file size). */
  INSUFFICIENT_STORAGE(507, "insufficient_storage");

  private final int status;
  private final String code;

  Failure(int status, String code) {
    this.status = status;
    this.code = code;
  }

  /** The HTTP status this failure answers, also its event-bus failure code. */
  public int status() {
    return status;
  }

  /** The short code of the JSON error answer. */
  public String code() {
    return code;
  }

  /** Seconds a client should wait before it tries again; 0 when trying again will not help. */
  public long retryAfterSeconds() {
    return switch (this) {
      case STOPPING -> 1;
      case BUSY -> 2;
      default -> 0;
    };
  }

  /** True when a job was cut off on purpose, so its client's remaining bytes are not wanted. */
  public boolean cutOff() {
    return this == TERMINATED || this == STOPPING || this == SUPERSEDED;
  }

  /**
   * The failure that {@code status} means when nothing more is known (the router's own refusals, a
   * failure from the bus that carries only its status): the first of that status above; for a
   * status not listed, {@link #INTERNAL_ERROR} from 500 on, else {@link #BAD_REQUEST}.
   */
  public static Failure forStatus(int status) {
    for (Failure f : values()) {
      if (f.status == status) {
        return f;
      }
    }
    return status >= 500 ? INTERNAL_ERROR : BAD_REQUEST;
  }

  /** The failure named {@code code}; {@link #INTERNAL_ERROR} for one this build does not know. */
  public static Failure forCode(String code) {
    for (Failure f : values()) {
      if (f.code.equals(code)) {
        return f;
      }
    }
    return INTERNAL_ERROR;
  }
}
