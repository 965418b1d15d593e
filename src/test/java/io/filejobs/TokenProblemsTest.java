package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens signed with the server's own key whose content is wrong: each is refused with 401, never a
 * 5xx, and the server keeps answering.
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class TokenProblemsTest {

  private static final String HS256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestServer.start(vertx, dir);
  }

  /** A JWT of exactly these header and payload texts, signed with HS256 and the server's key. */
  static String signed(String header, String payload) throws Exception {
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    String input =
        base64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + base64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(TestServer.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return input
        + "."
        + base64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** A payload naming Utkal with a valid iat and exp, then {@code claims} put over it verbatim. */
  private static String payload(String claims) {
    return "{\"sub\":\"Utkal\",\"iat\":"
        + now()
        + ",\"exp\":"
        + (now() + 600)
        + (claims.isEmpty() ? "" : "," + claims)
        + "}";
  }

  /** A call that needs a token and changes nothing: terminate with no upload running. */
  private HttpResponse<Buffer> terminate(String token) {
    return server.client.delete("/upload/terminate").putHeader("auth_token", token).send().await();
  }

  @Test
  @DisplayName(
      "a token made by hand with the server's key is accepted (the tests below craft theirs the same way)")
  void handMadeTokenWorks() throws Exception {
    HttpResponse<Buffer> answer = terminate(signed(HS256, payload("")));
    assertEquals(404, answer.statusCode(), answer.bodyAsString());
  }

  @Test
  @DisplayName(
      "correctly signed tokens with a malformed exp, iat, nbf or sub, a crit header or a header that is not JSON get 401 unauthorized, never 500")
  void malformedSignedTokens() throws Exception {
    long later = now() + 600;
    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put(
        "exp as a string",
        signed(HS256, "{\"sub\":\"Utkal\",\"iat\":" + now() + ",\"exp\":\"x\"}"));
    tokens.put(
        "exp as a numeric string", signed(HS256, "{\"sub\":\"Utkal\",\"exp\":\"" + later + "\"}"));
    tokens.put("exp null", signed(HS256, "{\"sub\":\"Utkal\",\"iat\":" + now() + ",\"exp\":null}"));
    tokens.put(
        "exp an object", signed(HS256, "{\"sub\":\"Utkal\",\"exp\":{\"at\":" + later + "}}"));
    tokens.put("exp an array", signed(HS256, "{\"sub\":\"Utkal\",\"exp\":[" + later + "]}"));
    tokens.put("exp true", signed(HS256, "{\"sub\":\"Utkal\",\"exp\":true}"));
    tokens.put(
        "iat as a string",
        signed(HS256, "{\"sub\":\"Utkal\",\"iat\":\"x\",\"exp\":" + later + "}"));
    tokens.put(
        "nbf as a string",
        signed(HS256, "{\"sub\":\"Utkal\",\"nbf\":\"x\",\"exp\":" + later + "}"));
    tokens.put("nbf null", signed(HS256, "{\"sub\":\"Utkal\",\"nbf\":null,\"exp\":" + later + "}"));
    tokens.put("sub a number", signed(HS256, "{\"sub\":42,\"exp\":" + later + "}"));
    tokens.put(
        "sub an object", signed(HS256, "{\"sub\":{\"name\":\"Utkal\"},\"exp\":" + later + "}"));
    tokens.put("sub an array", signed(HS256, "{\"sub\":[\"Utkal\"],\"exp\":" + later + "}"));
    tokens.put("sub null", signed(HS256, "{\"sub\":null,\"exp\":" + later + "}"));
    tokens.put("no sub", signed(HS256, "{\"user\":\"Utkal\",\"exp\":" + later + "}"));
    tokens.put("payload an array", signed(HS256, "[\"Utkal\"]"));
    tokens.put("payload not JSON", signed(HS256, "sub=Utkal"));
    tokens.put(
        "a crit header with an unknown extension",
        signed(
            "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"x-unknown\"],\"x-unknown\":1}",
            payload("")));
    tokens.put(
        "a crit header naming a registered claim",
        signed("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", payload("")));
    tokens.put("an empty crit header", signed("{\"alg\":\"HS256\",\"crit\":[]}", payload("")));
    tokens.put("crit null", signed("{\"alg\":\"HS256\",\"crit\":null}", payload("")));
    tokens.put("a header that is not JSON", signed("alg=HS256", payload("")));
    tokens.put("a header that is a JSON array", signed("[\"HS256\"]", payload("")));
    tokens.put("a header that is a JSON string", signed("\"HS256\"", payload("")));
    tokens.put("alg a number", signed("{\"alg\":256}", payload("")));
    tokens.put(
        "a header that is not base64url", "%%%." + signed(HS256, payload("")).split("\\.", 2)[1]);

    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, String> token : tokens.entrySet()) {
      for (HttpResponse<Buffer> answer :
          List.of(
              terminate(token.getValue()),
              server
                  .client
                  .get("/files")
                  .putHeader("Authorization", "Bearer " + token.getValue())
                  .send()
                  .await())) {
        JsonObject body = answer.statusCode() == 401 ? answer.bodyAsJsonObject() : null;
        if (body == null
            || !"application/json".equals(answer.getHeader("Content-Type"))
            || !"unauthorized".equals(body.getString("error"))
            || !"the token is invalid or expired".equals(body.getString("message"))) {
          wrong.add(token.getKey() + ": " + answer.statusCode() + " " + answer.bodyAsString());
        }
      }
    }
    assertEquals(List.of(), wrong);

    // the server keeps working: a good token, then a sign-in
    assertEquals(404, terminate(signed(HS256, payload(""))).statusCode());
    assertEquals(
        200,
        server
            .client
            .get("/files")
            .putHeader("auth_token", server.utkal())
            .send()
            .await()
            .statusCode());
  }
}
