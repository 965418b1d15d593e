package io.filejobs.http;

import io.filejobs.jobs.Failure;
import io.filejobs.jobs.FailureReply;
import io.filejobs.jobs.Handoff;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobFailure;
import io.filejobs.transport.SocketBody;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The tus 1.0 protocol at {@code /tus} (https://tus.io/protocols/resumable-upload): its headers
 * read and written here, its uploads kept by the upload verticle ({@code resumable.*} requests of
 * {@link JobBus}), whose bytes flow as an upload job like any other. Core, creation,
 * creation-with-upload, creation-defer-length, termination, expiration and checksum.
 *
 * <p>Answers carry {@code Tus-Resumable: 1.0.0}, but those to OPTIONS; failures keep the service's
 * JSON error shape, with the statuses tus gives them.
 */
final class Tus {

  static final String VERSION = "1.0.0";
  static final String EXTENSIONS =
      "creation,creation-with-upload,creation-defer-length,termination,expiration,checksum";

  /** Upload-Checksum algorithms, tus names to the JDK's. */
  static final Map<String, String> CHECKSUMS =
      Map.of("sha1", "SHA-1", "md5", "MD5", "sha256", "SHA-256");

  static final String OFFSET_OCTETS = "application/offset+octet-stream";
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,19}");
  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
  private static final String LOCATION = "filejobs.tus.location";

  /** HTTP-date (RFC 9110 §5.6.7), as Upload-Expires carries it. */
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH)
          .withZone(ZoneOffset.UTC);

  private final Vertx vertx;
  private final IdleWatch idle;
  private final long maxUploadBytes;

  Tus(Vertx vertx, IdleWatch idle, long maxUploadBytes) {
    this.vertx = vertx;
    this.idle = idle;
    this.maxUploadBytes = maxUploadBytes;
  }

  /** Where the upload {@code id} is reached. */
  static String location(String id) {
    return "/tus/" + id;
  }

  /**
   * {@code X-HTTP-Method-Override}: a POST to an upload's URL is taken as the PATCH, HEAD or DELETE
   * it names (tus's answer to clients and proxies that cannot send those; tus-js-client's {@code
   * overridePatchMethod}). Routing starts over with that method; without the header a POST to an
   * upload's URL is refused (405).
   */
  static void methodOverride(RoutingContext ctx) {
    String override = ctx.request().getHeader("X-HTTP-Method-Override");
    if (override != null) {
      switch (override.trim().toUpperCase(Locale.ROOT)) {
        case "PATCH" -> ctx.reroute(HttpMethod.PATCH, ctx.request().uri());
        case "HEAD" -> ctx.reroute(HttpMethod.HEAD, ctx.request().uri());
        case "DELETE" -> ctx.reroute(HttpMethod.DELETE, ctx.request().uri());
        default -> ctx.next();
      }
      return;
    }
    ctx.next();
  }

  /** OPTIONS: what this server speaks. No token needed, no Tus-Resumable asked or given. */
  void options(RoutingContext ctx) {
    ctx.request().resume();
    ctx.response()
        .setStatusCode(204)
        .putHeader("Tus-Version", VERSION)
        .putHeader("Tus-Extension", EXTENSIONS)
        .putHeader("Tus-Max-Size", Long.toString(maxUploadBytes))
        .putHeader(
            "Tus-Checksum-Algorithm",
            String.join(",", CHECKSUMS.keySet().stream().sorted().toList()))
        .end();
  }

  /**
   * Every other tus request: stamps its answer (whatever it is) with {@code Tus-Resumable}, and
   * refuses one that does not speak this version with 412 and {@code Tus-Version}.
   */
  void version(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    ctx.addHeadersEndHandler(
        v -> {
          response.putHeader("Tus-Resumable", VERSION);
          if (response.getStatusCode() == 412) {
            response.putHeader("Tus-Version", VERSION);
          }
          String location = ctx.get(LOCATION);
          if (location != null) {
            response.putHeader(HttpHeaders.LOCATION, location);
          }
        });
    if (!VERSION.equals(ctx.request().getHeader("Tus-Resumable"))) {
      ctx.fail(
          ApiError.of(
              Failure.UNSUPPORTED_VERSION,
              "this server speaks tus " + VERSION + ": send Tus-Resumable: " + VERSION));
      return;
    }
    ctx.next();
  }

  /** POST /tus: a new upload; with a body, its first bytes too (creation-with-upload). */
  void create(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    long length;
    String deferred = request.getHeader("Upload-Defer-Length");
    String declared = request.getHeader("Upload-Length");
    if (declared != null && deferred == null) {
      length = number(declared, "Upload-Length");
    } else if (declared == null && "1".equals(deferred)) {
      length = -1;
    } else {
      throw ApiError.badRequest(
          "send Upload-Length with the file's size in bytes, or Upload-Defer-Length: 1");
    }
    if (length > maxUploadBytes) {
      throw ApiError.tooLarge("the file is larger than the limit of " + maxUploadBytes + " bytes");
    }
    String filename = TusMetadata.filename(request.getHeader("Upload-Metadata"));
    boolean withBody = hasBody(request);
    if (withBody) {
      requireOffsetOctets(request);
    }
    JsonObject create =
        new JsonObject()
            .put(JobBus.USER, TokenAuth.user(ctx))
            .put(JobBus.FILENAME, filename)
            .put(JobBus.LENGTH, length);
    ask(JobBus.RESUMABLE_CREATE, create)
        .onSuccess(
            made -> {
              String id = made.getString(JobBus.ID);
              ctx.put(LOCATION, location(id));
              if (!withBody) {
                SocketBody held = ctx.get(Failures.BODY);
                held.discard(false); // nothing to read: let the request end
                answer(ctx, 201, made);
                return;
              }
              append(ctx, id, 0, length, null);
            })
        .onFailure(ctx::fail);
  }

  /** HEAD /tus/:id: where the upload stands (taking it over from a request that holds it). */
  void head(RoutingContext ctx) {
    ctx.request().resume();
    ask(JobBus.RESUMABLE_PROBE, idOf(ctx))
        .onSuccess(
            upload -> {
              HttpServerResponse response = ctx.response();
              response.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
              Long total = upload.getLong(JobBus.TOTAL);
              if (total == null) {
                response.putHeader("Upload-Defer-Length", "1");
              } else {
                response.putHeader("Upload-Length", Long.toString(total));
              }
              response.putHeader(
                  "Upload-Metadata", TusMetadata.of("filename", upload.getString(JobBus.FILENAME)));
              answer(ctx, 200, upload);
            })
        .onFailure(e -> ctx.fail(forTus(e, false)));
  }

  /** PATCH /tus/:id: appends the body at Upload-Offset. */
  void patch(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    requireOffsetOctets(request);
    String offset = request.getHeader("Upload-Offset");
    if (offset == null) {
      throw ApiError.badRequest("send Upload-Offset: the number of bytes the upload has");
    }
    long at = number(offset, "Upload-Offset");
    String declared = request.getHeader("Upload-Length");
    long length = declared == null ? -1 : number(declared, "Upload-Length");
    JsonObject id = idOf(ctx);
    append(ctx, id.getString(JobBus.ID), at, length, request.getHeader("Upload-Checksum"));
  }

  /** DELETE /tus/:id: terminates the upload, wherever it stands; exactly 204. */
  void delete(RoutingContext ctx) {
    ctx.request().resume();
    ask(JobBus.RESUMABLE_REMOVE, idOf(ctx))
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(e -> ctx.fail(forTus(e, false)));
  }

  /**
   * Hands the request's body to a job that appends it to upload {@code id} at {@code offset}; on
   * its end, 204 (PATCH) or 201 (creation-with-upload) with the new Upload-Offset.
   */
  private void append(RoutingContext ctx, String id, long offset, long length, String checksum) {
    HttpServerRequest request = ctx.request();
    JsonObject start =
        new JsonObject()
            .put(JobBus.USER, TokenAuth.user(ctx))
            .put(JobBus.ID, id)
            .put(JobBus.OFFSET, offset)
            .put(JobBus.CONTENT_LENGTH, contentLength(request));
    if (length >= 0 && ctx.request().method() == HttpMethod.PATCH) {
      start.put(JobBus.LENGTH, length);
    }
    if (checksum != null) {
      String[] parts = checksum.trim().split(" ", 2);
      String algorithm = CHECKSUMS.get(parts[0].toLowerCase(Locale.ROOT));
      if (algorithm == null || parts.length != 2) {
        throw ApiError.badRequest(
            "Upload-Checksum must be one of " + CHECKSUMS.keySet() + " and a base64 digest");
      }
      start.put(JobBus.CHECKSUM_ALGORITHM, algorithm).put(JobBus.CHECKSUM, base64(parts[1]));
    }
    idle.handedOff(ctx);
    Handoff handoff = Handoff.park(vertx, request, ctx.get(Failures.BODY));
    start.put(JobBus.HANDOFF, handoff.id());
    int status = request.method() == HttpMethod.POST ? 201 : 204;
    vertx
        .eventBus()
        .<JsonObject>request(JobBus.RESUMABLE_APPEND, start, JobBus.localOnly())
        .recover(
            e -> {
              handoff.discard(vertx);
              Future<JsonObject> outcome = handoff.outcome();
              return Future.failedFuture(outcome.failed() ? outcome.cause() : e);
            })
        .compose(accepted -> handoff.outcome())
        .onSuccess(done -> answer(ctx, status, done))
        .onFailure(e -> ctx.fail(forTus(e, status == 204)));
  }

  /** The answer of a request that leaves the upload at {@code bytes}. */
  private static void answer(RoutingContext ctx, int status, JsonObject upload) {
    HttpServerResponse response = ctx.response().setStatusCode(status);
    response.putHeader("Upload-Offset", Long.toString(upload.getLong(JobBus.BYTES, 0L)));
    String expires = upload.getString(JobBus.EXPIRES_AT);
    if (expires != null && !upload.getBoolean(JobBus.COMPLETED, false)) {
      response.putHeader("Upload-Expires", HTTP_DATE.format(Instant.parse(expires)));
    }
    response.end();
  }

  private Future<JsonObject> ask(String address, JsonObject body) {
    return vertx
        .eventBus()
        .<JsonObject>request(address, body, JobBus.localOnly())
        .map(Message::body);
  }

  private static JsonObject idOf(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null || !ID.matcher(id).matches()) {
      throw ApiError.of(Failure.NOT_FOUND, JobBus.NO_SUCH_UPLOAD_MESSAGE);
    }
    return new JsonObject().put(JobBus.USER, TokenAuth.user(ctx)).put(JobBus.ID, id);
  }

  /**
   * A failure as tus tells it: a terminated upload is gone (410: a tus client retries a 409, and
   * would start the upload again); on a PATCH, a slot another request holds is 423 (the client
   * tries again).
   *
   * <p>A 410 is no cut-off ({@link Failure#cutOff}): the rest of the body is read and dropped for a
   * moment while the answer goes, as for any refusal. Closing at once, as a multipart upload's
   * terminate does, made tus-js-client fail its write (EPIPE) before it read the 410, retry, find
   * the upload gone, and start it over.
   */
  private static Throwable forTus(Throwable e, boolean patch) {
    Failure failure =
        e instanceof JobFailure f ? f.failure() : e instanceof FailureReply r ? r.failure() : null;
    if (failure == Failure.TERMINATED) {
      return new JobFailure(Failure.GONE, e.getMessage());
    }
    if (failure == Failure.CONFLICT && patch) {
      return new JobFailure(Failure.LOCKED, JobBus.lockedMessage(JobBus.KIND_UPLOAD));
    }
    return e;
  }

  private static void requireOffsetOctets(HttpServerRequest request) {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !HeaderParameters.mediaType(type).equals(OFFSET_OCTETS)) {
      throw ApiError.unsupportedMediaType("send the bytes with Content-Type: " + OFFSET_OCTETS);
    }
  }

  private static long number(String value, String header) {
    if (!DIGITS.matcher(value).matches()) {
      throw ApiError.badRequest(header + " must be a number of bytes");
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw ApiError.badRequest(header + " must be a number of bytes");
    }
  }

  private static String base64(String digest) {
    try {
      java.util.Base64.getDecoder().decode(digest.trim());
      return digest.trim();
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("the digest of Upload-Checksum is not base64");
    }
  }

  private static long contentLength(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length == null) {
      return -1;
    }
    return number(length.trim(), "Content-Length");
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
        || (length != null && !length.trim().equals("0"));
  }
}
