package io.filejobs.http;

import io.filejobs.jobs.Failure;

/**
 * A refusal the HTTP layer decides itself: one of the named {@link Failure}s with its message.
 * Handlers fail the routing context with one; {@link Failures} renders it.
 */
final class ApiError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final Failure failure;
  private final long retryAfterSeconds;

  private ApiError(Failure failure, String message) {
    this(failure, message, 0);
  }

  private ApiError(Failure failure, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.failure = failure;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Seconds to put in a Retry-After header; 0 for none. */
  long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  Failure failure() {
    return failure;
  }

  /** 400: the request cannot be understood (bad JSON, missing field). */
  static ApiError of(Failure failure, String message) {
    return new ApiError(failure, message);
  }

  static ApiError badRequest(String message) {
    return new ApiError(Failure.BAD_REQUEST, message);
  }

  /** 401: no token, or one we did not issue or that expired, or wrong credentials. */
  static ApiError unauthorized(String message) {
    return new ApiError(Failure.UNAUTHORIZED, message);
  }

  /** 413: the declared body is larger than allowed. */
  static ApiError tooLarge(String message) {
    return new ApiError(Failure.PAYLOAD_TOO_LARGE, message);
  }

  /** 415: the body is not of the type this call takes. */
  static ApiError unsupportedMediaType(String message) {
    return new ApiError(Failure.UNSUPPORTED_MEDIA_TYPE, message);
  }

  /**
   * 417: the request expects something other than {@code 100-continue}, the only expectation served
   * (RFC 9110 §10.1.1).
   */
  static ApiError expectationFailed() {
    return new ApiError(
        Failure.EXPECTATION_FAILED, "only the expectation 100-continue is supported");
  }

  /** 429: too many failed sign-ins; try again after {@code seconds}. */
  static ApiError tooManyRequests(long seconds) {
    return new ApiError(
        Failure.TOO_MANY_REQUESTS,
        "too many failed sign-ins: try again in " + seconds + " s",
        seconds);
  }
}
