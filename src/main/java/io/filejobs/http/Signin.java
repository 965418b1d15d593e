package io.filejobs.http;

import static io.filejobs.http.Checks.jsonObject;
import static io.filejobs.http.Checks.ok;
import static io.filejobs.http.Checks.requiredString;

import io.filejobs.auth.SigninGuard;
import io.filejobs.auth.Tokens;
import io.filejobs.auth.Users;
import io.filejobs.storage.FileNames;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * {@code POST /signin}: a token for a right username and password; 401 for anything else, the same
 * for both; 429 once the lockout ({@link SigninGuard}) says so; 400 for a username no user can
 * have. The password check runs on a worker ({@link Users#check}).
 */
final class Signin implements Handler<RoutingContext> {

  private final Vertx vertx;
  private final Supplier<Users> users;
  private final SigninGuard guard;
  private final Tokens tokens;

  Signin(Vertx vertx, Supplier<Users> users, SigninGuard guard, Tokens tokens) {
    this.vertx = vertx;
    this.users = users;
    this.guard = guard;
    this.tokens = tokens;
  }

  @Override
  public void handle(RoutingContext ctx) {
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
}
