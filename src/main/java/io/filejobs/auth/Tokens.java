package io.filejobs.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * Issues and verifies the service's tokens: HS256 JWTs with {@code sub} (and {@code user}, as the
 * original API had), {@code iat} and {@code exp}. Nothing secret goes inside.
 */
public final class Tokens {

  static final String ALGORITHM = "HS256";

  private final JWTAuth jwt;
  private final Supplier<Users> users;
  private final int ttlSeconds;

  /** Tokens checked against a fixed set of users. */
  public Tokens(Vertx vertx, String secret, int ttlSeconds, Users users) {
    this(vertx, secret, ttlSeconds, () -> users);
  }

  /** Tokens checked against the users {@code users} gives at the time of each check. */
  public Tokens(Vertx vertx, String secret, int ttlSeconds, Supplier<Users> users) {
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
   * The user a token belongs to. Fails (never throws) when the token is malformed, has a {@code
   * crit} header, is not signed with our key by HS256, has no numeric expiry or is expired, has an
   * {@code iat} or {@code nbf} that is not a number, has no string {@code sub}, or names a user who
   * is no longer in the users file.
   */
  public Future<String> verify(String token) {
    try {
      String problem = headerProblem(token);
      if (problem != null) {
        return Future.failedFuture(problem);
      }
      // compose turns what userOf throws into a failure too
      return jwt.authenticate(new TokenCredentials(token)).compose(this::userOf);
    } catch (RuntimeException e) {
      // vertx-auth-jwt 5.1.6 reads exp, iat and nbf as numbers after its own checks, outside
      // their try: a signed token with "exp":"x" throws a ClassCastException out of authenticate
      // instead of failing its future (and became a 500).
      return Future.failedFuture(e);
    }
  }

  /**
   * Why the token's JOSE header is refused, or null. vertx-auth-jwt ignores {@code crit}; RFC 7515
   * §4.1.11 says a token naming extensions the recipient does not understand must be rejected, and
   * this service understands none (an empty or null {@code crit} is invalid too).
   */
  private static String headerProblem(String token) {
    int dot = token.indexOf('.');
    if (dot < 0) {
      return "not a JWT";
    }
    Object header;
    try {
      byte[] json = Base64.getUrlDecoder().decode(token.substring(0, dot));
      header = Json.decodeValue(Buffer.buffer(json));
    } catch (IllegalArgumentException | DecodeException e) {
      return "the header is not base64url-encoded JSON";
    }
    if (!(header instanceof JsonObject fields)) {
      return "the header is not a JSON object";
    }
    if (fields.containsKey("crit")) {
      return "the header has a crit parameter";
    }
    return null;
  }

  private Future<String> userOf(User user) {
    // vertx-auth-jwt keeps the verified claims in the attributes, under "accessToken"
    Object verified = user.attributes().getValue("accessToken");
    if (!(verified instanceof JsonObject claims)) {
      return Future.failedFuture("token has no claims");
    }
    if (!(claims.getValue("exp") instanceof Number)) {
      return Future.failedFuture("token has no expiry");
    }
    for (String time : new String[] {"iat", "nbf"}) {
      if (claims.containsKey(time) && !(claims.getValue(time) instanceof Number)) {
        return Future.failedFuture("token has a " + time + " that is not a number");
      }
    }
    if (!(claims.getValue("sub") instanceof String subject) || !users.get().exists(subject)) {
      return Future.failedFuture("token names no known user");
    }
    return Future.succeededFuture(subject);
  }
}
