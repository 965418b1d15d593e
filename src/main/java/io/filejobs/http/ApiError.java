package io.filejobs.http;

/**
 * A refusal the HTTP layer decides itself, carrying its status and the short code of the JSON
 * error answer. Handlers fail the routing context with one; {@link Failures} renders it.
 */
final class ApiError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final long retryAfterSeconds;

  private ApiError(int status, String code, String message) {
    this(status, code, message, 0);
  }

  private ApiError(int status, String code, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Seconds to put in a Retry-After header; 0 for none. */
  long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  /** 400: the request cannot be understood (bad JSON, missing field). */
  static ApiError badRequest(String message) {
    return new ApiError(400, "bad_request", message);
  }

  /** 401: no token, or one we did not issue or that expired, or wrong credentials. */
  static ApiError unauthorized(String message) {
    return new ApiError(401, "unauthorized", message);
  }

  /** 413: the declared body is larger than allowed. */
  static ApiError tooLarge(String message) {
    return new ApiError(413, "payload_too_large", message);
  }

  /** 415: the body is not of the type this call takes. */
  static ApiError unsupportedMediaType(String message) {
    return new ApiError(415, "unsupported_media_type", message);
  }

  /**
   * 417: the request expects something other than {@code 100-continue}, the only expectation
   * served (RFC 9110 §10.1.1).
   */
  static ApiError expectationFailed() {
    return new ApiError(
        417, "expectation_failed", "only the expectation 100-continue is supported");
  }

  /** 429: too many failed sign-ins; try again after {@code seconds}. */
  static ApiError tooManyRequests(long seconds) {
    return new ApiError(
        429,
        "too_many_requests",
        "too many failed sign-ins: try again in " + seconds + " s",
        seconds);
  }
}
