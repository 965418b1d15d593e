package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class SigninTest {

  @TempDir Path dir;
  TestServer server;
  Vertx vertx;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    server = TestServer.start(vertx, dir);
  }

  private HttpResponse<Buffer> signin(JsonObject body) {
    return server.client.post("/signin").sendJsonObject(body).await();
  }

  /** A call that needs a token and changes nothing: terminate with no upload running. */
  private int statusWithToken(String header, String value) {
    return server
        .client
        .delete("/upload/terminate")
        .putHeader(header, value)
        .send()
        .await()
        .statusCode();
  }

  private static String claims(String token) {
    return new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName(
      "each user of usersData.json signs in and gets an HS256 token naming them, with iat and exp")
  void signinGivesToken() {
    for (String[] user :
        new String[][] {{"Utkal", "utkal123"}, {"John", "john123"}, {"Blake", "blake123"}}) {
      HttpResponse<Buffer> response =
          signin(new JsonObject().put("username", user[0]).put("password", user[1]));
      assertEquals(200, response.statusCode());
      String token = response.bodyAsJsonObject().getString("auth_token");
      assertNotNull(token);
      JsonObject header =
          new JsonObject(
              new String(
                  Base64.getUrlDecoder().decode(token.split("\\.")[0]), StandardCharsets.UTF_8));
      assertEquals("HS256", header.getString("alg"));
      JsonObject claims = new JsonObject(claims(token));
      assertEquals(user[0], claims.getString("sub"));
      assertNotNull(claims.getLong("iat"));
      assertEquals(claims.getLong("iat") + 3600, claims.getLong("exp"));
      assertFalse(claims.encode().contains(user[1]), "password inside the token");
      assertFalse(claims.encode().contains("api_key"), "api key inside the token");
      assertEquals(404, statusWithToken("auth_token", token), "the token must be accepted");
    }
  }

  @Test
  @DisplayName("a wrong password and an unknown user get the same 401")
  void wrongCredentials() {
    HttpResponse<Buffer> wrong =
        signin(new JsonObject().put("username", "Utkal").put("password", "nope"));
    HttpResponse<Buffer> unknown =
        signin(new JsonObject().put("username", "Mallory").put("password", "utkal123"));
    assertEquals(401, wrong.statusCode());
    assertEquals(401, unknown.statusCode());
    assertEquals(wrong.bodyAsString(), unknown.bodyAsString());
    assertEquals("unauthorized", wrong.bodyAsJsonObject().getString("error"));
  }

  @Test
  @DisplayName(
      "calls without a token, or with a malformed, tampered, foreign, unsigned or expired one, get 401")
  void badTokens() {
    String good = server.utkal();
    String[] parts = good.split("\\.");
    String forged =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(claims(good).replace("Utkal", "John").getBytes(StandardCharsets.UTF_8));
    String tampered = parts[0] + "." + forged + "." + parts[2];
    String unsigned =
        Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    "{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[1]
            + ".";
    JWTAuth otherKey =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions()
                        .setAlgorithm("HS256")
                        .setBuffer("another-secret-another-secret-xx")));
    String foreign =
        otherKey.generateToken(
            new JsonObject(), new JWTOptions().setSubject("Utkal").setExpiresInSeconds(600));
    JWTAuth ours =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestServer.SECRET)));
    long past = System.currentTimeMillis() / 1000 - 7200;
    String expired =
        ours.generateToken(
            new JsonObject().put("iat", past).put("exp", past + 60),
            new JWTOptions().setSubject("Utkal").setNoTimestamp(true));
    String noExpiry = ours.generateToken(new JsonObject(), new JWTOptions().setSubject("Utkal"));
    JWTAuth ours512 =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions().setAlgorithm("HS512").setBuffer(TestServer.SECRET)));
    String otherAlgorithm =
        ours512.generateToken(
            new JsonObject(),
            new JWTOptions().setAlgorithm("HS512").setSubject("Utkal").setExpiresInSeconds(600));
    String stranger =
        ours.generateToken(
            new JsonObject(), new JWTOptions().setSubject("Mallory").setExpiresInSeconds(600));

    assertEquals(401, server.client.delete("/upload/terminate").send().await().statusCode());
    for (String token :
        new String[] {
          "garbage",
          "a.b.c",
          tampered,
          unsigned,
          foreign,
          expired,
          noExpiry,
          stranger,
          otherAlgorithm
        }) {
      assertEquals(401, statusWithToken("auth_token", token), "accepted: " + token);
      assertEquals(401, statusWithToken("Authorization", "Bearer " + token), "accepted: " + token);
    }
    HttpResponse<Buffer> answer =
        server.client.post("/export/terminate").putHeader("auth_token", "garbage").send().await();
    assertEquals("unauthorized", answer.bodyAsJsonObject().getString("error"));
    assertTrue(answer.getHeader("WWW-Authenticate").startsWith("Bearer"));
  }
}
