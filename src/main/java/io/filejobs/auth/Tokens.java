package io.filejobs.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/**
 * Issues and verifies the service's tokens: HS256 JWTs with {@code sub} (and {@code user}, as the
 * original API had), {@code iat} and {@code exp}. Nothing secret goes inside.
 */
public final class Tokens {

  static final String ALGORITHM = "HS256";

  private final JWTAuth jwt;
  private final Users users;
  private final int ttlSeconds;

  public Tokens(Vertx vertx, String secret, int ttlSeconds, Users users) {
    if (secret == null || secret.isEmpty()) {
      // JWTAuth with no key accepts unsigned tokens: never build one.
      throw new IllegalArgumentException("a JWT secret is required");
    }
    this.jwt =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(secret))
                .setJWTOptions(new JWTOptions().setAlgorithm(ALGORITHM)));
    this.users = users;
    this.ttlSeconds = ttlSeconds;
  }

  public String issue(String username) {
    return jwt.generateToken(
        new JsonObject().put("user", username),
        new JWTOptions()
            .setAlgorithm(ALGORITHM)
            .setSubject(username)
            .setExpiresInSeconds(ttlSeconds));
  }

  /**
   * The user a token belongs to. Fails when the token is malformed, not signed with our key by
   * HS256, has no expiry or is expired, or names a user who is no longer in the users file.
   */
  public Future<String> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token))
        .compose(
            user -> {
              // vertx-auth-jwt keeps the verified claims in the attributes, under "accessToken"
              JsonObject claims = user.attributes().getJsonObject("accessToken", new JsonObject());
              String subject = claims.getString("sub");
              if (!(claims.getValue("exp") instanceof Number)) {
                return Future.failedFuture("token has no expiry");
              }
              if (subject == null || !users.exists(subject)) {
                return Future.failedFuture("token names no known user");
              }
              return Future.succeededFuture(subject);
            });
  }
}
