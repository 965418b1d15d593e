package io.filejobs.http;

import static io.filejobs.http.Checks.jsonObject;
import static io.filejobs.http.Checks.ok;
import static io.filejobs.http.Checks.requiredString;

import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.transport.BufferBudget;
import io.filejobs.transport.SocketBody;
import io.filejobs.transport.SocketSink;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The transfer calls: upload and export (each a job started on the event bus with the request
 * handed over), and their controls (terminate, pause, resume, status) and the user's files, each a
 * request on the bus answered as JSON. It holds no job state.
 */
final class Transfers {

  private final Vertx vertx;
  private final IdleWatch idle;
  private final long maxUploadBytes;

  Transfers(Vertx vertx, IdleWatch idle, long maxUploadBytes) {
    this.vertx = vertx;
    this.idle = idle;
    this.maxUploadBytes = maxUploadBytes;
  }

  /**
   * Stops reading an upload's socket from its first moment: until its job takes the body, the
   * client's bytes wait in the kernel, not in Vert.x's queues (which take up to 4 MiB per request
   * before they stop reading). {@link Failures} lets the body go again when it answers first.
   */
  void holdBody(RoutingContext ctx) {
    SocketBody body = SocketBody.of(ctx.request(), BufferBudget.perTransfer()).pause();
    ctx.put(Failures.BODY, body);
    // A pipelined request is handed on before Vert.x resumes its connection, which turns reads
    // on again: stop them once more after that.
    vertx.runOnContext(v -> body.holdAgain());
    ctx.next();
  }

  /** Before any byte of an upload is read: the content type (415) and declared size (413). */
  void checkUpload(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !HeaderParameters.mediaType(type).equals("multipart/form-data")) {
      ctx.fail(
          ApiError.unsupportedMediaType(
              "send the file as multipart/form-data in the field \"file\" (curl -F file=@name)"));
      return;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        ctx.fail(ApiError.badRequest("Content-Length is not a number"));
        return;
      }
      if (declared > maxUploadBytes + MULTIPART_SLACK) {
        ctx.fail(
            ApiError.tooLarge(
                "the upload is larger than the limit of " + maxUploadBytes + " bytes"));
        return;
      }
    }
    ctx.next();
  }

  /**
   * What a multipart body may hold beyond the file itself (boundaries, part headers, small fields)
   * before its declared length alone says the file is too large.
   */
  static final long MULTIPART_SLACK = 64 * 1024;

  void upload(RoutingContext ctx) {
    startUpload(ctx, null).onSuccess(stored -> ok(ctx, storedAnswer(stored))).onFailure(ctx::fail);
  }

  /**
   * Starts the upload job of the request, with the body held since its first handler: a multipart
   * form, or, when {@code filename} is given, a raw body stored under that name.
   *
   * @return the job's result once the file is stored; or why not
   */
  Future<JsonObject> startUpload(RoutingContext ctx, String filename) {
    idle.handedOff(ctx);
    Handoff handoff = Handoff.park(vertx, ctx.request(), ctx.get(Failures.BODY));
    JsonObject start =
        new JsonObject().put(JobBus.USER, TokenAuth.user(ctx)).put(JobBus.HANDOFF, handoff.id());
    if (filename != null) {
      start.put(JobBus.FILENAME, filename);
    }
    return vertx
        .eventBus()
        .<JsonObject>request(JobBus.UPLOAD_START, start, JobBus.localOnly())
        .recover(e -> refused(handoff, e))
        .compose(accepted -> handoff.outcome());
  }

  /** {@code {"message","filename","size"}} of a stored upload. */
  static JsonObject storedAnswer(JsonObject stored) {
    return new JsonObject()
        .put(
            "message",
            "stored "
                + stored.getString(JobBus.FILENAME)
                + " ("
                + stored.getLong(JobBus.BYTES)
                + " bytes)")
        .put("filename", stored.getString(JobBus.FILENAME))
        .put("size", stored.getLong(JobBus.BYTES));
  }

  void export(RoutingContext ctx) {
    String filename = requiredString(jsonObject(ctx), "filename");
    idle.handedOff(ctx);
    Handoff handoff = Handoff.parkAnswering(vertx, ctx.request(), facts -> fileAnswer(ctx, facts));
    JsonObject start =
        new JsonObject()
            .put(JobBus.USER, TokenAuth.user(ctx))
            .put(JobBus.FILENAME, filename)
            .put(JobBus.HANDOFF, handoff.id());
    vertx
        .eventBus()
        .<JsonObject>request(JobBus.EXPORT_START, start, JobBus.localOnly())
        .recover(e -> refused(handoff, e))
        .compose(accepted -> handoff.outcome())
        // on success the job has already ended the response with the file's last byte
        .onFailure(ctx::fail);
  }

  /**
   * Opens the answer of an export whose file is open ({@code {"filename","total"}}): 200 with its
   * length, as an attachment; its bytes go into the returned stream, which stops the job as soon as
   * the client's socket holds more than it takes (see {@link SocketSink}).
   */
  private static WriteStream<Buffer> fileAnswer(RoutingContext ctx, JsonObject facts) {
    ctx.response()
        .setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
        .putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(facts.getLong(JobBus.TOTAL)))
        .putHeader(
            HttpHeaders.CONTENT_DISPOSITION, contentDisposition(facts.getString(JobBus.FILENAME)));
    return SocketSink.of(ctx.request());
  }

  /** {@code attachment} with the name as ASCII and as RFC 5987 UTF-8. */
  static String contentDisposition(String name) {
    String ascii = name.replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "_");
    String utf8 = URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + utf8;
  }

  /**
   * A start request failed: forget the handoff, and answer with the job's own ending when it had
   * one (a terminate that came while it started) rather than the bus's summary of it.
   */
  private <T> Future<T> refused(Handoff handoff, Throwable cause) {
    handoff.discard(vertx);
    Future<JsonObject> outcome = handoff.outcome();
    return Future.failedFuture(outcome.failed() ? outcome.cause() : cause);
  }

  void terminateUpload(RoutingContext ctx) {
    terminate(ctx, JobBus.UPLOAD_TERMINATE, "upload");
  }

  void terminateExport(RoutingContext ctx) {
    terminate(ctx, JobBus.EXPORT_TERMINATE, "export");
  }

  /**
   * Sends {@code {"user"}} of the signed-in user to {@code address}; the reply's body. Every node
   * serves these addresses and finds a job wherever it runs, so the request stays on this node: the
   * bus would otherwise pick any node's consumer, an extra hop between nodes half the time.
   */
  private Future<JsonObject> ask(RoutingContext ctx, String address) {
    ctx.request().resume(); // these calls take no body
    return vertx
        .eventBus()
        .<JsonObject>request(
            address, new JsonObject().put(JobBus.USER, TokenAuth.user(ctx)), JobBus.localOnly())
        .map(Message::body);
  }

  private void terminate(RoutingContext ctx, String address, String kind) {
    ask(ctx, address)
        .onSuccess(
            stopped -> {
              String name = stopped.getString(JobBus.FILENAME);
              long bytes = stopped.getLong(JobBus.BYTES, 0L);
              ok(
                  ctx,
                  new JsonObject()
                      .put(
                          "message",
                          "terminated the "
                              + kind
                              + (name == null ? "" : " of " + name)
                              + " after "
                              + bytes
                              + " bytes")
                      .put("filename", name)
                      .put("bytes", bytes));
            })
        .onFailure(ctx::fail);
  }

  /**
   * The route step of a pause, resume or status: {@link #control(RoutingContext, String, String)}.
   */
  Handler<RoutingContext> control(String address, String done) {
    return ctx -> control(ctx, address, done);
  }

  /**
   * Pause, resume or status of the user's job: its status, with a message saying what was done
   * ({@code done}) for the first two.
   */
  private void control(RoutingContext ctx, String address, String done) {
    ask(ctx, address)
        .onSuccess(
            status -> {
              JsonObject body = new JsonObject();
              if (done != null) {
                String name = status.getString(JobBus.FILENAME);
                body.put(
                    "message",
                    done
                        + " the "
                        + status.getString(JobBus.KIND)
                        + (name == null ? "" : " of " + name)
                        + " at "
                        + status.getLong(JobBus.BYTES)
                        + " bytes");
              }
              for (String field :
                  new String[] {
                    JobBus.FILENAME,
                    JobBus.STATE,
                    JobBus.BYTES,
                    JobBus.TOTAL,
                    JobBus.STARTED_AT,
                    JobBus.BYTES_PER_SECOND
                  }) {
                body.put(field, status.getValue(field));
              }
              for (String field : new String[] {JobBus.ID, JobBus.EXPIRES_AT}) {
                if (status.containsKey(field)) { // a resumable upload's
                  body.put(field, status.getValue(field));
                }
              }
              ok(ctx, body);
            })
        .onFailure(ctx::fail);
  }

  void files(RoutingContext ctx) {
    ask(ctx, JobBus.FILES).onSuccess(files -> ok(ctx, files)).onFailure(ctx::fail);
  }
}
