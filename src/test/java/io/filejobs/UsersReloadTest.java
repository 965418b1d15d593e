package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.filejobs.auth.Passwords;
import io.filejobs.auth.UsersFile;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The users file is read again while the service runs: a removed user and a changed password take
 * effect within seconds, and a broken file changes nothing. The file is a copy of the project's
 * usersData.json, rewritten the way an editor saves (a new file renamed over it).
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class UsersReloadTest {

  @TempDir Path dir;
  Path usersFile;
  TestServer server;
  final List<ILoggingEvent> logged = new CopyOnWriteArrayList<>();
  final AppenderBase<ILoggingEvent> capture =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
          logged.add(event);
        }
      };

  Level level;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    level = logger().getLevel();
    logger().setLevel(Level.INFO); // what it says about each new version of the file
    capture.start();
    logger().addAppender(capture);
    usersFile = dir.resolve("users.json");
    Files.copy(Path.of("usersData.json"), usersFile);
    // a high lockout limit: the tests poll sign-ins until a change shows
    server =
        TestServer.start(
            vertx,
            TestServer.settings(dir)
                .withUsersFile(usersFile.toString())
                .withUsersReloadSeconds(1)
                .withSigninLockout(1000, 60));
  }

  @AfterEach
  void stop() {
    logger().detachAppender(capture);
    logger().setLevel(level);
  }

  private static Logger logger() {
    return (Logger) LoggerFactory.getLogger(UsersFile.class);
  }

  private List<String> errors() {
    return logged.stream()
        .filter(e -> e.getLevel() == Level.ERROR)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  private long reloads() {
    return logged.stream()
        .filter(e -> e.getFormattedMessage().startsWith("read the users file"))
        .count();
  }

  /** Replaces the users file at once, as editors do: a new file renamed over the old one. */
  private void write(String content) throws Exception {
    Path next = dir.resolve("users.json.new");
    Files.writeString(next, content);
    Files.move(
        next, usersFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private void write(JsonArray users) throws Exception {
    write(users.encodePrettily());
  }

  private JsonArray users() throws Exception {
    return new JsonArray(Files.readString(usersFile));
  }

  private static JsonArray without(JsonArray users, String name) {
    JsonArray kept = new JsonArray();
    for (Object user : users) {
      if (!((JsonObject) user).getString("username").equals(name)) {
        kept.add(user);
      }
    }
    return kept;
  }

  private HttpResponse<Buffer> signin(String user, String password) {
    return server
        .client
        .post("/signin")
        .sendJsonObject(new JsonObject().put("username", user).put("password", password))
        .await();
  }

  private int files(String token) {
    return server.client.get("/files").putHeader("auth_token", token).send().await().statusCode();
  }

  private static void assertUnauthorized(HttpResponse<Buffer> answer) {
    assertEquals(401, answer.statusCode(), answer.bodyAsString());
    assertEquals("unauthorized", answer.bodyAsJsonObject().getString("error"));
  }

  @Test
  @DisplayName(
      "a user removed from the users file gets 401 within seconds, for an old token, a sign-in and an upload; the others go on")
  void removedUser() throws Exception {
    String john = server.john();
    String utkal = server.utkal();
    assertEquals(200, files(john));

    write(without(users(), "John"));

    TestServer.await("John's token is refused", () -> files(john) == 401);
    HttpResponse<Buffer> signin = signin("John", "john123");
    assertUnauthorized(signin);
    assertEquals(
        signin("Nobody", "john123").bodyAsString(),
        signin.bodyAsString(),
        "a removed user is answered as an unknown one");
    Path file = TestServer.randomFile(dir, "a.bin", 1000);
    assertUnauthorized(server.upload(john, file, "a.bin"));
    assertFalse(Files.exists(server.uploads.resolve("John")));
    assertEquals(200, files(utkal));
    assertEquals(200, signin("Utkal", "utkal123").statusCode());
    assertEquals(200, signin("Blake", "blake123").statusCode());
    assertTrue(errors().isEmpty(), errors().toString());
  }

  @Test
  @DisplayName(
      "a changed password works within seconds and the old one fails; a plain password can become a hash")
  void changedPasswords() throws Exception {
    JsonArray users = users();
    for (Object entry : users) {
      JsonObject user = (JsonObject) entry;
      if (user.getString("username").equals("Blake")) {
        user.put("password", "blake-new-456");
      }
      if (user.getString("username").equals("John")) {
        user.remove("password");
        user.put("passwordHash", Passwords.hash("john-new-789"));
      }
    }
    write(users);

    TestServer.await(
        "Blake's new password works", () -> signin("Blake", "blake-new-456").statusCode() == 200);
    assertUnauthorized(signin("Blake", "blake123"));
    assertEquals(200, signin("John", "john-new-789").statusCode());
    assertUnauthorized(signin("John", "john123"));
    assertEquals(200, signin("Utkal", "utkal123").statusCode());
    assertEquals(1, reloads(), "read again once");
  }

  @Test
  @DisplayName(
      "a users file that is broken, invalid or missing keeps the users read before, with one error naming the problem and no password")
  void brokenFile() throws Exception {
    String john = server.john();
    String original = Files.readString(usersFile);

    // cut off in the middle of an entry (an editor saving in place, say)
    write(original.substring(0, original.indexOf("john123") + 10));
    TestServer.await("the broken file is reported", () -> errors().size() == 1);
    assertEquals(
        usersFile
            + " is not a JSON array of users (line 10, column 1): keeping the 3 users read before",
        errors().get(0));
    // looked at again (a new modification time, the same bytes): not reported again
    Files.setLastModifiedTime(usersFile, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    // valid JSON, but an entry with no password
    write(without(users(original), "Blake").add(new JsonObject().put("username", "Eve")));
    TestServer.await("the invalid file is reported", () -> errors().size() == 2);
    assertEquals(
        usersFile
            + ": entry 2 needs a username and either a password or a passwordHash:"
            + " keeping the 3 users read before",
        errors().get(1));
    Files.delete(usersFile);
    TestServer.await("the missing file is reported", () -> errors().size() == 3);
    assertEquals(
        "cannot read the users file "
            + usersFile
            + " (it does not exist): keeping the 3 users read before",
        errors().get(2));

    // meanwhile every user works as before
    assertEquals(200, files(john));
    assertEquals(200, signin("John", "john123").statusCode());
    assertEquals(200, signin("Blake", "blake123").statusCode());
    assertEquals(0, reloads());
    for (String error : errors()) {
      for (String password : List.of("john123", "utkal123", "blake123")) {
        assertFalse(error.contains(password), error);
      }
    }

    // a good file again is taken
    write(without(users(original), "John"));
    TestServer.await("John's token is refused", () -> files(john) == 401);
    assertEquals(3, errors().size(), errors().toString());
  }

  private static JsonArray users(String text) {
    return new JsonArray(text);
  }

  @Test
  @DisplayName(
      "a removed user's running upload is terminated: nothing is stored and no temp file is left")
  void removedUsersUploadEnds() throws Exception {
    String john = server.john();
    byte[] content = new byte[8 << 20];
    try (SocketUpload upload =
        SocketUpload.start(server.port, "John", john, "slow.bin", content, 16 * 1024, 20)) {
      TestServer.await("the upload runs", () -> server.tempBytes() > 0);

      write(without(users(), "John"));

      assertTrue(upload.await(10), "the upload did not end");
      assertEquals(409, upload.status, "the uploading client is told it was terminated");
      TestServer.await("its temp file is removed", () -> server.tempFiles().isEmpty());
      assertFalse(upload.finishedSending);
      assertFalse(Files.exists(server.uploads.resolve("John").resolve("slow.bin")));
    }
    assertTrue(
        logged.stream()
            .anyMatch(
                e ->
                    e.getFormattedMessage()
                        .equals(
                            "read the users file "
                                + usersFile
                                + " again: 2 users; removed [John]")),
        logged.toString());
  }

  @Test
  @DisplayName("a removed user's running export is terminated: its client sees it cut short")
  void removedUsersExportEnds(Vertx vertx) throws Exception {
    String john = server.john();
    // larger than what an export has in flight, so that it runs while its client holds back
    TestServer.randomFile(
        Files.createDirectories(server.uploads.resolve("John")), "big.bin", 32 << 20);
    HttpClient http = vertx.createHttpClient();
    try {
      SlowClients.Export export = SlowClients.Export.start(http, server.port, john, "big.bin");
      HttpClientResponse response = export.response.await();
      assertEquals(200, response.statusCode());

      write(without(users(), "John"));

      TestServer.await("John's token is refused", () -> files(john) == 401);
      assertFalse(export.readRest(response).await(10, TimeUnit.SECONDS), "the export ended whole");
      assertTrue(export.received.get() < 32 << 20, export.received.get() + " bytes received");
    } finally {
      http.close().await();
    }
  }
}
