package io.filejobs.http;

import static io.filejobs.http.Checks.jsonBody;
import static io.filejobs.jobs.JobBus.EXPORT_PAUSE;
import static io.filejobs.jobs.JobBus.EXPORT_RESUME;
import static io.filejobs.jobs.JobBus.EXPORT_STATUS;
import static io.filejobs.jobs.JobBus.UPLOAD_PAUSE;
import static io.filejobs.jobs.JobBus.UPLOAD_RESUME;
import static io.filejobs.jobs.JobBus.UPLOAD_STATUS;

import io.filejobs.auth.SigninGuard;
import io.filejobs.auth.Tokens;
import io.filejobs.auth.Users;
import io.filejobs.config.Settings;
import io.filejobs.jobs.JobBus;
import io.filejobs.transport.SocketReads;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The HTTP API: routing, token checks, and the mapping of job results to answers. It holds no job
 * state: uploads and exports are started and terminated over the event bus ({@link JobBus}).
 */
public final class HttpVerticle extends VerticleBase {

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

    Signin signin = new Signin(vertx, users, guard, tokens);
    Transfers transfers = new Transfers(vertx, idle, settings.maxUploadBytes());

    // Before anything else: a request rerouted with the method it asks for starts over here.
    router.post("/tus/:id").handler(Tus::methodOverride);
    router.route().handler(idle::requestBegan).handler(Checks::checkExpectation);

    // vertx-web runs a BodyHandler before any other handler of its route; its small limit keeps
    // reading the JSON bodies before the token check cheap. /upload has none: it streams.
    router.post("/signin").handler(jsonBody()).handler(Checks::requireJson).handler(signin);
    router
        .post("/upload")
        .handler(transfers::holdBody)
        .handler(auth)
        .handler(transfers::checkUpload)
        .handler(transfers::upload);
    router.delete("/upload/terminate").handler(auth).handler(transfers::terminateUpload);
    router
        .post("/export")
        .handler(jsonBody())
        .handler(auth)
        .handler(Checks::requireJson)
        .handler(transfers::export);
    router.post("/export/terminate").handler(auth).handler(transfers::terminateExport);
    router.post("/upload/pause").handler(auth).handler(transfers.control(UPLOAD_PAUSE, "paused"));
    router
        .post("/upload/resume")
        .handler(auth)
        .handler(transfers.control(UPLOAD_RESUME, "resumed"));
    router.get("/upload/status").handler(auth).handler(transfers.control(UPLOAD_STATUS, null));
    router.post("/export/pause").handler(auth).handler(transfers.control(EXPORT_PAUSE, "paused"));
    router
        .post("/export/resume")
        .handler(auth)
        .handler(transfers.control(EXPORT_RESUME, "resumed"));
    router.get("/export/status").handler(auth).handler(transfers.control(EXPORT_STATUS, null));
    router.get("/files").handler(auth).handler(transfers::files);
    FileRoutes files = new FileRoutes(vertx, transfers, settings.maxUploadBytes());
    router
        .put("/files/:name")
        .handler(transfers::holdBody)
        .handler(auth)
        .handler(files::checkPut)
        .handler(files::put);
    router.delete("/files/:name").handler(auth).handler(files::delete);

    Tus tus = new Tus(vertx, idle, settings.maxUploadBytes());
    Cors.of(settings.corsOrigins()).ifPresent(cors -> router.route("/tus*").handler(cors));
    router.options("/tus").handler(tus::options);
    router.options("/tus/:id").handler(tus::options);
    router
        .post("/tus")
        .handler(transfers::holdBody)
        .handler(tus::version)
        .handler(auth)
        .handler(tus::create);
    router.head("/tus/:id").handler(tus::version).handler(auth).handler(tus::head);
    router
        .patch("/tus/:id")
        .handler(transfers::holdBody)
        .handler(tus::version)
        .handler(auth)
        .handler(tus::patch);
    router.delete("/tus/:id").handler(tus::version).handler(auth).handler(tus::delete);

    router.route().failureHandler(failures);
    for (int status : new int[] {400, 404, 405, 412, 413, 415, 500}) {
      router.errorHandler(status, failures);
    }
    return router;
  }
}
