package io.filejobs.http;

import io.filejobs.auth.Tokens;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Lets a request through only with a valid token, read from the {@code auth_token} header (the
 * original API's) or from {@code Authorization: Bearer <token>}. The request stays paused: the
 * handler that consumes its body resumes it.
 */
final class TokenAuth implements Handler<RoutingContext> {

  static final String HEADER = "auth_token";
  private static final String USER_KEY = "filejobs.user";
  private static final String BEARER = "Bearer ";

  private final Tokens tokens;

  TokenAuth(Tokens tokens) {
    this.tokens = tokens;
  }

  /** The signed-in user of a request that passed this handler. */
  static String user(RoutingContext ctx) {
    return ctx.get(USER_KEY);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause();
    String token = token(request);
    if (token == null) {
      ctx.fail(
          ApiError.unauthorized(
              "sign in first: send the token of POST /signin in the auth_token header"));
      return;
    }
    tokens
        .verify(token)
        .onSuccess(
            user -> {
              ctx.put(USER_KEY, user);
              ctx.next();
            })
        .onFailure(e -> ctx.fail(ApiError.unauthorized("the token is invalid or expired")));
  }

  private static String token(HttpServerRequest request) {
    String token = request.getHeader(HEADER);
    if (token == null) {
      String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
      if (authorization != null
          && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
        token = authorization.substring(BEARER.length());
      }
    }
    token = token == null ? null : token.trim();
    return token == null || token.isEmpty() ? null : token;
  }
}
