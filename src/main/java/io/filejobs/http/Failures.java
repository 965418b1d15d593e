package io.filejobs.http;

import io.filejobs.jobs.Failure;
import io.filejobs.jobs.FailureReply;
import io.filejobs.jobs.JobFailure;
import io.filejobs.transport.Connections;
import io.filejobs.transport.SocketBody;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a failure becomes an HTTP answer: {@code {"error": "<code>", "message": "..."}}
 * with the failure's status. No stack trace, exception name or server path ever reaches the client;
 * a 5xx is logged with its cause.
 *
 * <p>When the request body has not been read (an upload refused or stopped), the connection is
 * closed after the answer: at once for an upload that was terminated or cut off by a stop, so no
 * more bytes are read; otherwise after a short linger that discards the rest of the body, so the
 * client gets to read the answer.
 */
final class Failures implements Handler<RoutingContext> {

  private static final Logger log = LoggerFactory.getLogger(Failures.class);

  /** Where a route keeps the {@link SocketBody} it held back, for this handler to let go. */
  static final String BODY = "filejobs.body";

  /** How long a refused request may go on sending before its connection is closed. */
  static final Duration LINGER = Duration.ofSeconds(2);

  @Override
  public void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof io.vertx.core.http.HttpClosedException) {
      // the client went away (or an idle connection was closed): nobody to answer
      log.debug("{} {}: the connection closed first", ctx.request().method(), ctx.request().path());
      return;
    }
    Failure kind;
    String message;
    // a status the router or vertx-web decided, kept even where no failure names it
    int refused = 0;
    if (failure instanceof ApiError e) {
      kind = e.failure();
      message = e.getMessage();
    } else if (failure instanceof JobFailure e) {
      kind = e.failure();
      message = e.getMessage();
    } else if (failure instanceof FailureReply e) {
      kind = e.failure();
      message = e.getMessage();
    } else if (failure instanceof ReplyException e
        && e.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      kind = Failure.forStatus(e.failureCode()); // a bus service of another build: its status
      message = e.getMessage();
    } else if (failure instanceof ReplyException e) {
      log.error(
          "{} {}: no answer on the event bus ({})",
          ctx.request().method(),
          ctx.request().path(),
          e.failureType());
      kind = Failure.UNAVAILABLE;
      message = "the service cannot take this request now";
    } else if (failure instanceof HttpException e) {
      refused = e.getStatusCode();
      kind = Failure.forStatus(refused);
      message = messageFor(kind);
    } else if (failure == null || (ctx.statusCode() >= 400 && ctx.statusCode() < 500)) {
      // the router's own refusals (no route, wrong method, no Host header, ...)
      refused = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      kind = Failure.forStatus(refused);
      message = messageFor(kind);
    } else if (isMalformedRequest(failure)) {
      kind = Failure.BAD_REQUEST;
      message = "the request is not valid HTTP";
    } else {
      kind = Failure.INTERNAL_ERROR;
      message = messageFor(kind);
    }
    int status = kind.status();
    String code = kind.code();
    if (refused != 0 && refused != status) { // a status no failure names (406, say): as it is
      status = refused;
      code = status >= 500 ? "internal_error" : "error";
      message = status >= 500 ? "internal error" : "the request was refused";
    }
    // a stopping node or a full buffer budget is an answer, not a fault: the client tries again
    if (status >= 500 && kind.retryAfterSeconds() == 0) {
      log.error("{} {} answered {}", ctx.request().method(), ctx.request().path(), status, failure);
    } else {
      log.debug(
          "{} {} answered {}: {}", ctx.request().method(), ctx.request().path(), status, message);
    }
    // Only a job's own ending cuts its client off: a bus failure is an answer to a control call.
    boolean stopReading = failure instanceof JobFailure && kind.cutOff();
    SocketBody held = ctx.get(BODY);
    if (held != null) {
      // Its socket is read again (the rest of the body is dropped while the answer goes), unless
      // the transfer was cut off: then the connection closes unread. A job that took the body
      // has done the same already.
      held.discard(stopReading);
    }
    long retryAfter =
        failure instanceof ApiError e ? e.retryAfterSeconds() : kind.retryAfterSeconds();
    answer(
        ctx,
        status,
        new JsonObject().put("error", code).put("message", message),
        stopReading,
        retryAfter);
  }

  private static void answer(
      RoutingContext ctx, int status, JsonObject body, boolean stopReading, long retryAfter) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      // A body (an export) was under way: the client must see it incomplete.
      Connections.closeNow(request.connection());
      return;
    }
    // Headers a job set for a body it never began (an export's Content-Length) must not frame
    // this answer.
    response.headers().clear();
    boolean bodyUnread = !request.isEnded() && hasBody(request);
    if (!request.isEnded() && !bodyUnread) {
      request.resume(); // nothing to read: let the request end and the connection live on
    }
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (status == 401) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    if (retryAfter > 0) {
      response.putHeader("Retry-After", Long.toString(retryAfter));
    }
    if (bodyUnread) {
      response.putHeader(HttpHeaders.CONNECTION, "close");
      if (!stopReading) {
        // The rest of the body is read and dropped from now on, not once the answer is flushed:
        // a client that reads nothing would otherwise leave the request paused while its socket
        // is read into Vert.x's queues.
        request.resume();
      }
    }
    response
        .end(body.encode())
        .onComplete(
            v -> {
              if (!bodyUnread) {
                return;
              }
              if (stopReading) {
                // What the connection read while the request was paused waits in Vert.x's
                // connection, and Vert.x 5.1.6 does not release it on close (pooled direct
                // memory, leaked: Netty's paranoid leak detector showed it after JobControlTest's
                // pause limit). Let it through first (the job drops it), then close, in this same
                // task: no new byte is read from the socket meanwhile.
                request.resume();
                request.connection().close();
              } else {
                // Not Vert.x's shutdown(LINGER): an HTTP/1 connection with no response under
                // way closes at once, and a close with the body's bytes unread is a reset, which
                // a client still sending could see before the answer (DiskTroubleTest did, about
                // one run in three). The rest of the body is read and dropped meanwhile.
                ctx.vertx().setTimer(LINGER.toMillis(), id -> request.connection().close());
              }
            });
  }

  /**
   * Answers a request the HTTP decoder could not read (a request line or headers too long, broken
   * framing) in the JSON error shape, then closes the connection: its framing cannot be trusted.
   */
  static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      status = 414;
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      status = 431;
    } else {
      status = 400;
    }
    log.debug("unreadable request answered {}: {}", status, String.valueOf(cause));
    request
        .response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(
            new JsonObject()
                .put("error", Failure.forStatus(status).code())
                .put("message", messageFor(Failure.forStatus(status)))
                .encode())
        .onComplete(v -> request.connection().close());
  }

  /**
   * Whether {@code failure} comes from decoding the client's bytes (a broken chunk size, a body
   * that is not what its headers say): Netty's HTTP codec threw it, so it is the client's fault.
   */
  static boolean isMalformedRequest(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof io.netty.handler.codec.DecoderException) {
        return true;
      }
      StackTraceElement[] trace = t.getStackTrace();
      if (trace.length > 0 && trace[0].getClassName().startsWith("io.netty.handler.codec.")) {
        return true;
      }
    }
    return false;
  }

  /** Whether the request announces a body (HTTP/1.1: a length or a transfer coding). */
  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
        || (length != null && !length.trim().equals("0"));
  }

  /** The message of a failure the router or the HTTP decoder decided, which says nothing more. */
  private static String messageFor(Failure failure) {
    return switch (failure) {
      case BAD_REQUEST -> "the request is malformed";
      case NOT_FOUND -> "no such call: see the API in the README";
      case METHOD_NOT_ALLOWED -> "this call does not take that method";
      case PAYLOAD_TOO_LARGE -> "the request body is too large";
      case UNSUPPORTED_MEDIA_TYPE -> "the request body has the wrong content type";
      case URI_TOO_LONG -> "the request line is too long";
      case EXPECTATION_FAILED -> "only the expectation 100-continue is supported";
      case HEADERS_TOO_LARGE -> "the request headers are too large";
      default -> failure.status() >= 500 ? "internal error" : "the request was refused";
    };
  }
}
