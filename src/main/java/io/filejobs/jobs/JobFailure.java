package io.filejobs.jobs;

/**
 * Why a job did not end as asked, with the HTTP-like status it maps to and a short code for the
 * JSON error answer. The message is for people and holds no server path.
 */
public final class JobFailure extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The owner terminated the job. */
  public static final String TERMINATED = "terminated";

  /** The job's node is stopping. */
  public static final String STOPPING = "stopping";

  /** The node's buffer budget has no room for another transfer now. */
  public static final String BUSY = "busy";

  private final int status;
  private final String code;

  public JobFailure(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Seconds a client should wait before it tries again; 0 when trying again will not help. */
  public long retryAfterSeconds() {
    return STOPPING.equals(code) ? 1 : BUSY.equals(code) ? 2 : 0;
  }

  /** True when the job was cut off on purpose, so its client's remaining bytes are not wanted. */
  public boolean cutOff() {
    return TERMINATED.equals(code) || STOPPING.equals(code);
  }
}
