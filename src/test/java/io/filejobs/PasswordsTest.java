package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.auth.Passwords;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class PasswordsTest {

  @TempDir Path dir;

  private static HttpResponse<Buffer> signin(TestServer server, String user, String password) {
    return server
        .client
        .post("/signin")
        .sendJsonObject(new JsonObject().put("username", user).put("password", password))
        .await();
  }

  @Test
  @DisplayName(
      "a user with a passwordHash signs in with the password; wrong ones fail like unknown users")
  void hashedPasswords(Vertx vertx) throws Exception {
    Path users = dir.resolve("users.json");
    Files.writeString(
        users,
        new JsonArray()
            .add(
                new JsonObject()
                    .put("username", "Hashy")
                    .put("passwordHash", Passwords.hash("s3cret!")))
            .add(new JsonObject().put("username", "Plain").put("password", "plain1"))
            .encodePrettily());
    TestServer server =
        TestServer.start(vertx, TestServer.settings(dir).withUsersFile(users.toString()));

    assertEquals(200, signin(server, "Hashy", "s3cret!").statusCode());
    assertEquals(200, signin(server, "Plain", "plain1").statusCode());
    HttpResponse<Buffer> wrong = signin(server, "Hashy", "s3cret?");
    HttpResponse<Buffer> unknown = signin(server, "Nobody", "s3cret!");
    assertEquals(401, wrong.statusCode());
    assertEquals(wrong.bodyAsString(), unknown.bodyAsString());
    assertEquals(wrong.bodyAsString(), signin(server, "Plain", "nope").bodyAsString());
  }

  @Test
  @DisplayName("a users file with a malformed passwordHash stops the start")
  void badHash(Vertx vertx) throws Exception {
    Path users = dir.resolve("users.json");
    Files.writeString(users, "[{\"username\":\"X\",\"passwordHash\":\"md5:abc\"}]");
    Throwable failure =
        org.junit.jupiter.api.Assertions.assertThrows(
            Exception.class,
            () ->
                TestServer.start(vertx, TestServer.settings(dir).withUsersFile(users.toString())));
    assertTrue(failure.getMessage().contains("passwordHash"), failure.getMessage());
  }

  @Test
  @DisplayName(
      "repeated failed sign-ins lock the username out with 429 and Retry-After, then let it in again")
  void throttle(Vertx vertx) throws Exception {
    TestServer server = TestServer.start(vertx, TestServer.settings(dir).withSigninLockout(3, 2));
    for (int i = 0; i < 3; i++) {
      assertEquals(401, signin(server, "Blake", "guess" + i).statusCode());
    }

    HttpResponse<Buffer> locked = signin(server, "Blake", "blake123");

    assertEquals(429, locked.statusCode(), "even the right password waits");
    assertEquals("too_many_requests", locked.bodyAsJsonObject().getString("error"));
    long retryAfter = Long.parseLong(locked.getHeader("Retry-After"));
    assertTrue(retryAfter >= 1 && retryAfter <= 2, "Retry-After " + retryAfter);
    assertEquals(200, signin(server, "John", "john123").statusCode(), "other users are not locked");
    Thread.sleep(retryAfter * 1000 + 100);
    assertEquals(200, signin(server, "Blake", "blake123").statusCode());
  }
}
