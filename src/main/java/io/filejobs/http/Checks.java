package io.filejobs.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The small steps the routes share: what a JSON call's body must be, the expectations served, and a
 * JSON answer. A step that cannot go on fails the context with an {@link ApiError}; {@link
 * Failures} renders it.
 */
final class Checks {

  /** Largest JSON body of {@code /signin} and {@code /export}. */
  static final int JSON_BODY_LIMIT = 16 * 1024;

  private Checks() {}

  /** The body handler of the JSON calls: read whole, up to {@link #JSON_BODY_LIMIT}. */
  static BodyHandler jsonBody() {
    return BodyHandler.create(false).setBodyLimit(JSON_BODY_LIMIT);
  }

  static void requireJson(RoutingContext ctx) {
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
  static void checkExpectation(RoutingContext ctx) {
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

  static JsonObject jsonObject(RoutingContext ctx) {
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

  static String requiredString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (!(value instanceof String s) || s.isEmpty()) {
      throw ApiError.badRequest("the body needs \"" + field + "\" as a non-empty string");
    }
    return s;
  }

  static void ok(RoutingContext ctx, JsonObject body) {
    ctx.response()
        .setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.encode());
  }
}
