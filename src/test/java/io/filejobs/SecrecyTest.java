package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What leaves the server, in answers and in its log, never gives away what it must keep. */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class SecrecyTest {

  static final String PASSWORD_GUESS = "hunter2-guess-that-must-not-be-logged";

  @TempDir Path dir;
  TestServer server;
  final List<String> logged = new CopyOnWriteArrayList<>();
  final AppenderBase<ILoggingEvent> capture =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
          logged.add(
              event.getFormattedMessage()
                  + (event.getThrowableProxy() == null
                      ? ""
                      : ThrowableProxyUtil.asString(event.getThrowableProxy())));
        }
      };
  Level before;

  @BeforeEach
  void start(Vertx vertx) {
    Logger filejobs = (Logger) LoggerFactory.getLogger("io.filejobs");
    before = filejobs.getLevel();
    filejobs.setLevel(Level.DEBUG); // everything the service says
    capture.start();
    filejobs.addAppender(capture);
    server = TestServer.start(vertx, dir);
  }

  @AfterEach
  void stop() {
    Logger filejobs = (Logger) LoggerFactory.getLogger("io.filejobs");
    filejobs.detachAppender(capture);
    filejobs.setLevel(before);
  }

  @Test
  @DisplayName(
      "error answers carry no stack trace, exception name, server path or secret; the log holds no token or password")
  void nothingLeaks() throws Exception {
    String token = server.utkal();
    List<HttpResponse<Buffer>> answers = new ArrayList<>();
    answers.add(
        server
            .client
            .post("/signin")
            .sendJsonObject(
                new JsonObject().put("username", "Utkal").put("password", PASSWORD_GUESS))
            .await());
    answers.add(
        server
            .client
            .post("/signin")
            .putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer("{\"username\":"))
            .await());
    answers.add(
        server
            .client
            .post("/export")
            .putHeader("auth_token", token)
            .sendJsonObject(new JsonObject().put("filename", "../../etc/passwd"))
            .await());
    answers.add(
        server
            .client
            .post("/export")
            .putHeader("auth_token", token + "x")
            .sendJsonObject(new JsonObject().put("filename", "a"))
            .await());
    answers.add(
        server
            .client
            .post("/upload")
            .putHeader("auth_token", token)
            .putHeader("Content-Type", "multipart/form-data; boundary=b; charset=nope")
            .sendBuffer(Buffer.buffer("--b\r\n"))
            .await());
    // a server fault: the user's folder is a file, so the upload cannot be published
    Files.writeString(server.uploads.resolve("Utkal"), "in the way");
    answers.add(server.upload(token, TestServer.randomFile(dir, "f.bin", 100), "f.bin"));
    assertEquals(500, answers.get(answers.size() - 1).statusCode());

    for (HttpResponse<Buffer> answer : answers) {
      String body = answer.bodyAsString();
      assertTrue(answer.statusCode() >= 400, body);
      JsonObject json = answer.bodyAsJsonObject();
      assertEquals(2, json.size(), "only error and message: " + body);
      assertFalse(
          body.contains("Exception") || body.contains("\tat ") || body.contains(".java"), body);
      assertFalse(body.contains(dir.toString()) || body.contains("/tmp"), "a server path: " + body);
      assertFalse(body.contains(TestServer.SECRET), body);
    }
    assertTrue(
        logged.stream().anyMatch(l -> l.contains("cannot publish")), "the 5xx was not logged");
    for (String line : logged) {
      assertFalse(line.contains(token), "a token in the log: " + line);
      assertFalse(
          line.contains(PASSWORD_GUESS) || line.contains("utkal123"),
          "a password in the log: " + line);
      assertFalse(line.contains(TestServer.SECRET), "the secret in the log: " + line);
    }
  }
}
