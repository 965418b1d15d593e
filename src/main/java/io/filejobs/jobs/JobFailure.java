package io.filejobs.jobs;

/**
 * Why a job, or a request to one, did not end as asked: one of the named {@link Failure}s, with a
 * message for people that holds no server path.
 */
public final class JobFailure extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final Failure failure;

  public JobFailure(Failure failure, String message) {
    super(message, null, false, false);
    this.failure = failure;
  }

  public Failure failure() {
    return failure;
  }

  public int status() {
    return failure.status();
  }

  public String code() {
    return failure.code();
  }

  /** Seconds a client should wait before it tries again; 0 when trying again will not help. */
  public long retryAfterSeconds() {
    return failure.retryAfterSeconds();
  }

  /** True when the job was cut off on purpose, so its client's remaining bytes are not wanted. */
  public boolean cutOff() {
    return failure.cutOff();
  }
}
