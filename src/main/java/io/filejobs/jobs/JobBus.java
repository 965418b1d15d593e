package io.filejobs.jobs;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.slf4j.LoggerFactory;

/**
 * The event-bus contract of filejobs: every address and JSON field, and the texts that jobs and the
 * {@link JobRegistry} answer with. Bodies are JSON objects; a failed request is a {@link
 * FailureReply} naming one of the {@link Failure}s, its failure code the HTTP-like status. The
 * README documents each request with its reply and each event with a sample.
 *
 * <p>Control requests ({@code terminate}, {@code pause}, {@code resume}, {@code status}) take
 * {@code {"user"}} and may come from anything on the bus, on any node.
 *
 * <p><b>Internal</b>, not for other services (they may change between builds; run one build per
 * cluster): the two {@code *.start} addresses ({@link #UPLOAD_START}, {@link #EXPORT_START}) are
 * node-local: a start carries the id of a {@link Handoff} (the HTTP request whose bytes the job
 * moves), which lives in this process only, in the node-local map {@link #HANDOFFS_MAP}, so the
 * HTTP verticle sends it local-only. So are the four {@code resumable.*} addresses of tus (one of
 * them carries a handoff too). So is the {@link JobRegistry}'s own wiring: the per-node route
 * addresses ({@link #route}) with the {@link #ACTION} header and its action names, by which a node
 * forwards a control to the job's node, and the names of its maps ({@link #claimsMap} cluster-wide,
 * {@link #handlesMap} node-local).
 */
public final class JobBus {

  /** Internal, node-local: starts an upload on this node (see the class comment). */
  public static final String UPLOAD_START = "filejobs.upload.start";

  public static final String UPLOAD_TERMINATE = "filejobs.upload.terminate";
  public static final String UPLOAD_PAUSE = "filejobs.upload.pause";
  public static final String UPLOAD_RESUME = "filejobs.upload.resume";
  public static final String UPLOAD_STATUS = "filejobs.upload.status";

  /**
   * Internal, node-local: creates the user's resumable upload ({@code
   * {"user","filename","length"}}, length -1 when deferred); answers its {@code
   * {"id","bytes","total","expiresAt"}}.
   */
  public static final String RESUMABLE_CREATE = "filejobs.upload.resumable.create";

  /**
   * Internal, node-local: where the user's resumable upload {@code id} stands ({@code
   * {"user","id"}}), taking it over from a request that still holds it; answers as {@link
   * #RESUMABLE_CREATE} does, with {@code filename}.
   */
  public static final String RESUMABLE_PROBE = "filejobs.upload.resumable.probe";

  /**
   * Internal, node-local: appends a request's body to the user's resumable upload ({@code
   * {"user","handoff","id","offset","length","contentLength","checksumAlgorithm","checksum"}});
   * starts a job as {@link #UPLOAD_START} does.
   */
  public static final String RESUMABLE_APPEND = "filejobs.upload.resumable.append";

  /**
   * Internal, node-local: removes the user's resumable upload {@code id} ({@code {"user","id"}}).
   */
  public static final String RESUMABLE_REMOVE = "filejobs.upload.resumable.remove";

  /** Internal, node-local: starts an export on this node (see the class comment). */
  public static final String EXPORT_START = "filejobs.export.start";

  public static final String EXPORT_TERMINATE = "filejobs.export.terminate";
  public static final String EXPORT_PAUSE = "filejobs.export.pause";
  public static final String EXPORT_RESUME = "filejobs.export.resume";
  public static final String EXPORT_STATUS = "filejobs.export.status";

  /**
   * {@code {"user","filename"}} removes the user's stored file: answers {@code {"filename"}}, or
   * fails with 404 when there is none.
   */
  public static final String FILES_DELETE = "filejobs.files.delete";

  /** {@code {"user"}} answers {@code {"files": [{"name","size","modified","etag"}]}}. */
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
  public static final String MESSAGE = "message";
  public static final String ID = "id";
  public static final String OFFSET = "offset";
  public static final String LENGTH = "length";
  public static final String CONTENT_LENGTH = "contentLength";
  public static final String CHECKSUM_ALGORITHM = "checksumAlgorithm";
  public static final String CHECKSUM = "checksum";
  public static final String COMPLETED = "completed";
  public static final String EXPIRES_AT = "expiresAt";
  public static final String REPLACED = "replaced";

  public static final String KIND_UPLOAD = "upload";
  public static final String KIND_EXPORT = "export";
  public static final String RUNNING = "running";
  public static final String PAUSED = "paused";
  public static final String INTERRUPTED = "interrupted";

  // --- internal: the handoffs' map and the registry's own wiring (see the class comment) ---

  /**
   * Internal: the node's shared local map of the exchanges parked for its jobs ({@code id -> }
   * {@link Handoff}), from the HTTP verticle's start request until the job takes them.
   */
  public static final String HANDOFFS_MAP = "filejobs.handoffs";

  /** Internal: the header of a control forwarded to a route, naming the action it asks for. */
  static final String ACTION = "action";

  static final String ACTION_TERMINATE = "terminate";
  static final String ACTION_PAUSE = "pause";
  static final String ACTION_RESUME = "resume";
  static final String ACTION_STATUS = "status";
  static final String ACTION_INTERRUPT = "interrupt";

  /**
   * Internal: where the registry of {@code kind} on the node {@code node} takes the controls of its
   * jobs, for as long as the verticle that owns them runs. Cluster-wide.
   */
  static String route(String kind, String node) {
    return "filejobs.route." + kind + "." + node;
  }

  /** Internal: the cluster-wide async map of the claims of {@code kind} ({@code user -> tag}). */
  public static String claimsMap(String kind) {
    return "filejobs.claims." + kind;
  }

  /** Internal: the node's shared local map of its jobs of {@code kind} ({@code user -> Job}). */
  public static String handlesMap(String kind) {
    return "filejobs.jobs." + kind;
  }

  private JobBus() {}

  // --- what jobs tell people, wherever a job answers ---

  /** Why a control finds no job: {@code "you are not uploading anything"}. */
  public static String nothingRunning(String kind) {
    return "you are not " + kind + "ing anything";
  }

  /** Why a new transfer is refused while the node's transfer buffers are spent (503 busy). */
  public static String busyMessage() {
    return "the server is moving as many transfers as its memory allows: try again in a few"
        + " seconds";
  }

  /** Why a request cannot take over a job that holds the user's slot now (423, tus). */
  public static String lockedMessage(String kind) {
    return "another request holds your " + kind + " now: try again in a moment";
  }

  /** Why a job whose bytes have not begun cannot be paused or resumed (409). */
  public static String notStartedMessage(String kind) {
    return "the " + kind + " has not started yet: try again";
  }

  /** Why a job whose every byte has moved can no longer be controlled (409). */
  public static String completeMessage(String kind, String filename) {
    return "the " + kind + " of " + filename + " is complete";
  }

  /** Why a job that moved no byte for {@code seconds} was ended (408 timeout). */
  public static String idleMessage(String kind, long seconds) {
    return "no byte moved for " + seconds + " s: the " + kind + " was ended";
  }

  /** Why a new job is refused while the user runs one of {@code kind} on any node (409). */
  public static String alreadyRunning(String kind) {
    return "you are already " + kind + "ing a file: terminate it or wait until it ends";
  }

  /** Why a control is not answered: the node that runs the user's job does not answer (503). */
  public static String notAnswering(String kind) {
    return "the node running your " + kind + " does not answer";
  }

  /** Why a resumable upload is not found: none of that id belongs to the caller (404). */
  public static final String NO_SUCH_UPLOAD_MESSAGE =
      "no such upload: it completed, was terminated, expired, or is not yours";

  /** Why a new upload is refused while the user's resumable upload {@code id} is unfinished. */
  public static String unfinishedMessage(String id, String filename, long bytes) {
    return "your upload of "
        + filename
        + " ("
        + id
        + ", "
        + bytes
        + " bytes so far) is unfinished: resume it at /tus/"
        + id
        + ", or end it with DELETE /upload/terminate";
  }

  /** Why a new job is refused on a node that is stopping (503 stopping). */
  public static final String STOPPING_MESSAGE = "the service is stopping: try again in a moment";

  /** Why a control whose body names no user is refused (400). */
  public static final String NO_USER_MESSAGE = "the body needs a \"user\"";

  /** Why a control forwarded to a route is refused when its action is none of the four (400). */
  static final String NO_SUCH_ACTION_MESSAGE = "no such action";

  /** Options for a request that stays in this process (the start requests, the HTTP calls). */
  public static DeliveryOptions localOnly() {
    return new DeliveryOptions().setLocalOnly(true);
  }

  /**
   * Fails {@code message} with the named {@code failure}: its requester gets a {@link
   * FailureReply}.
   */
  public static void fail(Message<?> message, Failure failure, String text) {
    message.reply(new FailureReply(failure, text));
  }

  /**
   * Fails {@code message} with the failure of a {@link JobFailure} (or the {@link FailureReply} of
   * another node, passed on), or 500 for anything else: its requester gets a {@link FailureReply},
   * a {@code ReplyException} whose failure code is the status.
   */
  public static void fail(Message<?> message, Throwable cause) {
    if (cause instanceof JobFailure f) {
      message.reply(new FailureReply(f.failure(), f.getMessage()));
    } else if (cause instanceof FailureReply r) {
      message.reply(new FailureReply(r.failure(), r.getMessage()));
    } else if (cause instanceof io.vertx.core.eventbus.ReplyException r
        && r.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE) {
      message.fail(r.failureCode(), r.getMessage()); // from a node that does not name its failure
    } else {
      LoggerFactory.getLogger(JobBus.class)
          .error("request to {} failed unexpectedly", message.address(), cause);
      fail(message, Failure.INTERNAL_ERROR, "internal error");
    }
  }
}
