package io.filejobs.http;

import io.filejobs.jobs.JobBus;
import io.filejobs.storage.FileNames;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * A user's stored files as HTTP resources, {@code /files/{name}}: {@code PUT} stores the request's
 * body under the name (the same upload job as a multipart upload: one per user, terminate, pause,
 * status, events, the size limit, atomic publish), {@code DELETE} removes the file. The name in the
 * path is percent-decoded once (by the router) and checked by the rules of every stored name.
 */
final class FileRoutes {

  private final Vertx vertx;
  private final Transfers transfers;
  private final long maxUploadBytes;

  FileRoutes(Vertx vertx, Transfers transfers, long maxUploadBytes) {
    this.vertx = vertx;
    this.transfers = transfers;
    this.maxUploadBytes = maxUploadBytes;
  }

  /** The file's name from the path, checked; 400 when no file can have it. */
  static String name(RoutingContext ctx) {
    return FileNames.check(ctx.pathParam("name"))
        .orElseThrow(() -> ApiError.badRequest(FileNames.UNUSABLE_MESSAGE));
  }

  /** Before any byte of a PUT is read: its name (400) and declared size (413). */
  void checkPut(RoutingContext ctx) {
    name(ctx);
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        throw ApiError.badRequest("Content-Length is not a number");
      }
      if (declared > maxUploadBytes) {
        throw ApiError.tooLarge(
            "the file is larger than the limit of " + maxUploadBytes + " bytes");
      }
    }
    ctx.next();
  }

  /** {@code PUT /files/{name}}: 201 for a new file, 200 for a replaced one. */
  void put(RoutingContext ctx) {
    transfers
        .startUpload(ctx, name(ctx))
        .onSuccess(
            stored ->
                ctx.response()
                    .setStatusCode(stored.getBoolean(JobBus.REPLACED, false) ? 200 : 201)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Transfers.storedAnswer(stored).encode()))
        .onFailure(ctx::fail);
  }

  /** {@code DELETE /files/{name}}: 204, or 404 when there is no such file. */
  void delete(RoutingContext ctx) {
    ctx.request().resume();
    vertx
        .eventBus()
        .<JsonObject>request(
            JobBus.FILES_DELETE,
            new JsonObject().put(JobBus.USER, TokenAuth.user(ctx)).put(JobBus.FILENAME, name(ctx)),
            JobBus.localOnly())
        .map(Message::body)
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }
}
