package io.filejobs.http;

import io.filejobs.auth.SigninGuard;
import io.filejobs.auth.Tokens;
import io.filejobs.auth.Users;
import io.filejobs.config.Settings;
import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.storage.FileNames;
import io.filejobs.transport.BufferBudget;
import io.filejobs.transport.SocketBody;
import io.filejobs.transport.SocketReads;
import io.filejobs.transport.SocketSink;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The HTTP API: routing, token checks, and the mapping of job results to answers. It holds no job
 * state: uploads and exports are started and terminated over the event bus ({@link JobBus}).
 */
public final class HttpVerticle extends VerticleBase {

  /** Largest JSON body of {@code /signin} and {@code /export}. */
  static final int JSON_BODY_LIMIT = 16 * 1024;

  /** Longest request line (method, path, version): 414 beyond. */
  static final int MAX_REQUEST_LINE = 4096;

  /** Most bytes of request headers: 431 beyond. */
  static final int MAX_HEADER_BYTES = 8192;

  /**
   * Largest piece of a request body the HTTP decoder hands on at once (Netty's default is 8 KiB):
   * an upload's bytes reach its temp file in writes of up to this size, and fewer, larger writes
   * cost the worker pool fewer hops. A piece is a slice of what one socket read brought.
   */
  static final int MAX_BODY_CHUNK = SocketReads.MAX_READ;

  private final Supplier<Users> users;
  private final SigninGuard guard;
  private final int listenPort;
  private Settings settings;
  private Tokens tokens;
  private IdleWatch idle;
  private HttpServer server;

  /**
   * One of the instances that share the HTTP port, one per event loop (Vert.x spreads the
   * connections over them). They share the users and the sign-in lockout, so a password guesser
   * gains nothing by spreading connections.
   *
   * @param users the users as they are at the time of each request (the users file is re-read)
   * @param listenPort the port to bind; a negative one is a free port shared by all instances given
   *     the same number (Vert.x's convention)
   */
  public HttpVerticle(Supplier<Users> users, SigninGuard guard, int listenPort) {
    this.users = users;
    this.guard = guard;
    this.listenPort = listenPort;
  }

  @Override
  public Future<?> start() {
    settings = Settings.fromJson(config());
    tokens = new Tokens(vertx, settings.jwtSecret(), settings.tokenTtlSeconds(), users);
    idle = new IdleWatch(vertx, settings.idleTimeoutSeconds());
    return vertx
        .createHttpServer(
            new HttpServerOptions()
                .setHost(settings.httpHost())
                .setPort(listenPort)
                .setHttp2ClearTextEnabled(false)
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADER_BYTES)
                .setMaxChunkSize(MAX_BODY_CHUNK))
        .invalidRequestHandler(Failures::invalidRequest)
        .connectionHandler(
            connection -> {
              SocketReads.allowLarge(connection);
              idle.connected(connection);
            })
        .requestHandler(routes())
        .listen()
        .onSuccess(listening -> server = listening);
  }

  /**
   * Stops accepting connections at once, closes idle ones, and lets requests under way end (the job
   * verticles end running transfers after the grace time); whatever is still open a few seconds
   * after that is closed.
   */
  @Override
  public Future<?> stop() {
    return server == null
        ? Future.succeededFuture()
        : server.shutdown(Duration.ofSeconds(settings.stopGraceSeconds() + 5));
  }

  /** The port the server listens on (the real one when configured with 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private Router routes() {
    Router router = Router.router(vertx);
    TokenAuth auth = new TokenAuth(tokens);
    Failures failures = new Failures();

    router.route().handler(idle::requestBegan).handler(HttpVerticle::checkExpectation);

    // vertx-web runs a BodyHandler before any other handler of its route; its small limit keeps
    // reading the JSON bodies before the token check cheap. /upload has none: it streams.
    router.post("/signin").handler(jsonBody()).handler(this::requireJson).handler(this::signin);
    router
        .post("/upload")
        .handler(this::holdBody)
        .handler(auth)
        .handler(this::checkUpload)
        .handler(this::upload);
    router.delete("/upload/terminate").handler(auth).handler(this::terminateUpload);
    router
        .post("/export")
        .handler(jsonBody())
        .handler(auth)
        .handler(this::requireJson)
        .handler(this::export);
    router.post("/export/terminate").handler(auth).handler(this::terminateExport);
    router.post("/upload/pause").handler(auth).handler(control(JobBus.UPLOAD_PAUSE, "paused"));
    router.post("/upload/resume").handler(auth).handler(control(JobBus.UPLOAD_RESUME, "resumed"));
    router.get("/upload/status").handler(auth).handler(control(JobBus.UPLOAD_STATUS, null));
    router.post("/export/pause").handler(auth).handler(control(JobBus.EXPORT_PAUSE, "paused"));
    router.post("/export/resume").handler(auth).handler(control(JobBus.EXPORT_RESUME, "resumed"));
    router.get("/export/status").handler(auth).handler(control(JobBus.EXPORT_STATUS, null));
    router.get("/files").handler(auth).handler(this::files);

    router.route().failureHandler(failures);
    for (int status : new int[] {400, 404, 405, 413, 500}) {
      router.errorHandler(status, failures);
    }
    return router;
  }

  private static BodyHandler jsonBody() {
    return BodyHandler.create(false).setBodyLimit(JSON_BODY_LIMIT);
  }

  // --- steps ---

  /**
   * Stops reading an upload's socket from its first moment: until its job takes the body, the
   * client's bytes wait in the kernel, not in Vert.x's queues (which take up to 4 MiB per request
   * before they stop reading). {@link Failures} lets the body go again when it answers first.
   */
  private void holdBody(RoutingContext ctx) {
    SocketBody body = SocketBody.of(ctx.request(), BufferBudget.perTransfer()).pause();
    ctx.put(Failures.BODY, body);
    // A pipelined request is handed on before Vert.x resumes its connection, which turns reads
    // on again: stop them once more after that.
    vertx.runOnContext(v -> body.holdAgain());
    ctx.next();
  }

  private void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !HeaderParameters.mediaType(type).equals("application/json")) {
      ctx.fail(
          ApiError.unsupportedMediaType("send a JSON body with Content-Type: application/json"));
      return;
    }
    ctx.next();
  }

  /**
   * Before any byte of any request's body is read: an expectation other than {@code 100-continue}
   * is refused with 417 (RFC 9110 §10.1.1), and {@link Failures} closes the connection after the
   * answer, the body unread. Without this, a client that waits for its expectation to be met before
   * it sends the body would wait for ever.
   */
  private static void checkExpectation(RoutingContext ctx) {
    for (String expect : ctx.request().headers().getAll(HttpHeaders.EXPECT)) {
      for (String expectation : expect.split(",")) {
        String name = expectation.trim();
        if (!name.isEmpty() && !name.equalsIgnoreCase("100-continue")) {
          ctx.fail(ApiError.expectationFailed());
          return;
        }
      }
    }
    ctx.next();
  }

  /** Before any byte of an upload is read: the content type (415) and declared size (413). */
  private void checkUpload(RoutingContext ctx) {
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
      if (declared > settings.maxUploadBytes() + MULTIPART_SLACK) {
        ctx.fail(
            ApiError.tooLarge(
                "the upload is larger than the limit of " + settings.maxUploadBytes() + " bytes"));
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

  private static JsonObject jsonObject(RoutingContext ctx) {
    try {
      JsonObject json = ctx.body().asJsonObject();
      if (json == null) {
        throw ApiError.badRequest("the body is empty: send a JSON object");
      }
      return json;
    } catch (DecodeException | ClassCastException e) {
      throw ApiError.badRequest("the body is not a JSON object");
    }
  }

  private static String requiredString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (!(value instanceof String s) || s.isEmpty()) {
      throw ApiError.badRequest("the body needs \"" + field + "\" as a non-empty string");
    }
    return s;
  }

  // --- calls ---

  private void signin(RoutingContext ctx) {
    JsonObject body = jsonObject(ctx);
    String username = requiredString(body, "username");
    String password = requiredString(body, "password");
    if (username.getBytes(StandardCharsets.UTF_8).length > FileNames.MAX_BYTES) {
      // A username names a folder: no user has a longer one. Refused before the lockout and the
      // users are looked at, so that such names cost nothing to keep or compare.
      throw ApiError.badRequest(
          "the username is longer than " + FileNames.MAX_BYTES + " bytes: no user has such a name");
    }
    String address = ctx.request().remoteAddress().host();
    long waitMillis = guard.retryAfterMillis(username, address);
    if (waitMillis > 0) {
      throw ApiError.tooManyRequests((waitMillis + 999) / 1000);
    }
    users
        .get()
        .check(vertx, username, password)
        .onSuccess(
            user -> {
              if (user.isPresent()) {
                guard.succeeded(username);
                ok(ctx, new JsonObject().put("auth_token", tokens.issue(user.get())));
              } else {
                guard.failed(username, address);
                ctx.fail(ApiError.unauthorized("wrong username or password"));
              }
            })
        .onFailure(ctx::fail);
  }

  private void upload(RoutingContext ctx) {
    idle.handedOff(ctx);
    Handoff handoff = Handoff.park(vertx, ctx.request(), ctx.get(Failures.BODY));
    JsonObject start =
        new JsonObject().put(JobBus.USER, TokenAuth.user(ctx)).put(JobBus.HANDOFF, handoff.id());
    vertx
        .eventBus()
        .<JsonObject>request(JobBus.UPLOAD_START, start, JobBus.localOnly())
        .recover(e -> refused(handoff, e))
        .compose(accepted -> handoff.outcome())
        .onSuccess(
            stored ->
                ok(
                    ctx,
                    new JsonObject()
                        .put(
                            "message",
                            "stored "
                                + stored.getString(JobBus.FILENAME)
                                + " ("
                                + stored.getLong(JobBus.BYTES)
                                + " bytes)")
                        .put("filename", stored.getString(JobBus.FILENAME))
                        .put("size", stored.getLong(JobBus.BYTES))))
        .onFailure(ctx::fail);
  }

  private void export(RoutingContext ctx) {
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

  private void terminateUpload(RoutingContext ctx) {
    terminate(ctx, JobBus.UPLOAD_TERMINATE, "upload");
  }

  private void terminateExport(RoutingContext ctx) {
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
  private Handler<RoutingContext> control(String address, String done) {
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
              ok(ctx, body);
            })
        .onFailure(ctx::fail);
  }

  private void files(RoutingContext ctx) {
    ask(ctx, JobBus.FILES).onSuccess(files -> ok(ctx, files)).onFailure(ctx::fail);
  }

  private static void ok(RoutingContext ctx, JsonObject body) {
    ctx.response()
        .setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.encode());
  }
}
