package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.filejobs.auth.SigninGuard;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What unauthenticated clients can make the sign-in lockout remember: nothing for a username no
 * user can have, and never more than its fixed table, however many addresses fail. The client
 * sockets bind addresses of 127.0.0.0/8, which Linux accepts as local ones, so the server sees each
 * as another client.
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class SigninFloodTest {

  /** Each address fails this often, with a new username each time: its limit (5 x 4). */
  private static final int PER_ADDRESS = 20;

  /** Enough addresses for more usernames and addresses than the table has slots (16 384). */
  private static final int ADDRESSES = 1000;

  @TempDir Path dir;
  Vertx vertx;
  FileJobs.Running running;
  final List<WebClient> clients = new ArrayList<>();
  final List<String> warnings = new CopyOnWriteArrayList<>();
  final AppenderBase<ILoggingEvent> capture =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
          warnings.add(event.getFormattedMessage());
        }
      };

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    capture.start();
    guardLogger().addAppender(capture);
    // a lockout long enough to outlast the flood on a slow machine
    running = FileJobs.deploy(vertx, TestServer.settings(dir).withSigninLockout(5, 600)).await();
  }

  @AfterEach
  void stop() {
    guardLogger().detachAppender(capture);
    clients.forEach(WebClient::close);
  }

  private static Logger guardLogger() {
    return (Logger) LoggerFactory.getLogger(SigninGuard.class);
  }

  /**
   * The answers to sign-ins sent, one after another on one connection, from {@code address}: a
   * NetClient, because Vert.x 5.1.6's HTTP client ignores {@code setLocalAddress} (its TCP config
   * copies the local address only from NetClientOptions).
   */
  private Future<List<Answer>> signins(String address, List<JsonObject> bodies) {
    return signins(running.port(), address, bodies);
  }

  private Future<List<Answer>> signins(int port, String address, List<JsonObject> bodies) {
    NetClient net = vertx.createNetClient(new NetClientOptions().setLocalAddress(address));
    Buffer requests = Buffer.buffer();
    for (int i = 0; i < bodies.size(); i++) {
      byte[] body = bodies.get(i).encode().getBytes(StandardCharsets.UTF_8);
      requests.appendString(
          "POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              + (i == bodies.size() - 1 ? "Connection: close\r\n" : "")
              + "Content-Length: "
              + body.length
              + "\r\n\r\n");
      requests.appendBytes(body);
    }
    // HTTP/1.1 pipelining: the server answers them in order, each after the one before it
    return RawHttp.exchange(vertx, net, port, requests, 30_000)
        .map(SigninFloodTest::answers)
        .eventually(net::close);
  }

  private Answer signin(String address, String user, String password) {
    return signin(running.port(), address, user, password);
  }

  private Answer signin(int port, String address, String user, String password) {
    List<Answer> answers = signins(port, address, List.of(credentials(user, password))).await();
    assertEquals(1, answers.size(), answers.toString());
    return answers.get(0);
  }

  private static JsonObject credentials(String user, String password) {
    return new JsonObject().put("username", user).put("password", password);
  }

  /** One HTTP answer: its status, the Retry-After header, and its JSON body. */
  record Answer(int status, String retryAfter, JsonObject body) {}

  private static List<Answer> answers(String raw) {
    List<Answer> answers = new ArrayList<>();
    int at = 0;
    while (raw.startsWith("HTTP/1.1 ", at)) {
      int headEnd = raw.indexOf("\r\n\r\n", at);
      String head = raw.substring(at, headEnd).toLowerCase(java.util.Locale.ROOT);
      Matcher length = Pattern.compile("\r\ncontent-length: (\\d+)").matcher(head);
      Matcher retry = Pattern.compile("\r\nretry-after: (\\d+)").matcher(head);
      int bodyLength = length.find() ? Integer.parseInt(length.group(1)) : 0;
      // the bodies are ASCII JSON: characters are bytes
      String body = raw.substring(headEnd + 4, headEnd + 4 + bodyLength);
      answers.add(
          new Answer(
              Integer.parseInt(raw.substring(at + 9, at + 12)),
              retry.find() ? retry.group(1) : null,
              new JsonObject(body)));
      at = headEnd + 4 + bodyLength;
    }
    return answers;
  }

  private static void assertError(Answer answer, int status, String code) {
    assertEquals(status, answer.status(), answer.toString());
    assertEquals(code, answer.body().getString("error"), answer.toString());
    assertFalse(answer.body().getString("message").isBlank());
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    assertEquals("application/json", response.getHeader("Content-Type"));
    assertEquals(code, response.bodyAsJsonObject().getString("error"));
    assertFalse(response.bodyAsJsonObject().getString("message").isBlank());
  }

  private static Future<HttpResponse<Buffer>> signin(
      WebClient client, String user, String password) {
    return client.post("/signin").sendJsonObject(credentials(user, password));
  }

  @Test
  @DisplayName(
      "a username longer than 255 UTF-8 bytes is refused with 400 before the lockout or the users see it")
  void overlongUsernames() {
    WebClient client =
        WebClient.create(
            vertx,
            new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(running.port()));
    clients.add(client);
    List<String> names =
        List.of(
            "U".repeat(256),
            "é".repeat(128), // 128 characters, 256 bytes
            "€".repeat(86), // 86 characters, 258 bytes
            "x".repeat(16_000));
    for (int round = 0; round < 10; round++) {
      for (String name : names) {
        HttpResponse<Buffer> answer = signin(client, name, "utkal123").await();
        assertError(answer, 400, "bad_request");
        assertEquals(
            "the username is longer than 255 bytes: no user has such a name",
            answer.bodyAsJsonObject().getString("message"));
      }
    }
    assertEquals(0, running.signinGuard().entries(), "the lockout remembered a refused name");
    // 40 refusals from this address counted nothing: a wrong password is a plain 401 ...
    assertError(signin(client, "U".repeat(255), "nope").await(), 401, "unauthorized");
    assertError(signin(client, "é".repeat(127), "nope").await(), 401, "unauthorized");
    // ... and the right one signs in
    assertEquals(200, signin(client, "Utkal", "utkal123").await().statusCode());
  }

  @Test
  @DisplayName(
      "a flood of failed sign-ins with distinct 255-byte usernames from 1000 addresses stays within the lockout's fixed table; a lockout made before it holds, and a correct sign-in works after it")
  void flood() {
    SigninGuard guard = running.signinGuard();
    long tableBytes = guard.tableBytes();
    assertEquals(16_384, guard.slots());
    assertEquals(576 * 1024, tableBytes);

    // John is locked out before the flood
    for (int i = 0; i < 5; i++) {
      assertError(signin("127.0.2.1", "John", "guess" + i), 401, "unauthorized");
    }
    assertError(signin("127.0.2.2", "John", "john123"), 429, "too_many_requests");

    long started = System.nanoTime();
    Random random = new Random(14);
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    for (int batch = 0; batch < ADDRESSES; batch += 50) {
      List<Future<?>> addresses = new ArrayList<>();
      for (int i = batch; i < batch + 50; i++) {
        List<JsonObject> bodies = new ArrayList<>();
        for (int n = 0; n < PER_ADDRESS; n++) {
          bodies.add(credentials(username(random), "nope"));
        }
        addresses.add(
            signins("127.1." + (i / 200) + "." + (1 + i % 200), bodies)
                .onSuccess(
                    answers -> answers.forEach(a -> statuses.merge(a.status(), 1, Integer::sum))));
      }
      Future.all(addresses).await();
    }
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    assertTrue(seconds < 120, "the flood took " + seconds + " s");

    assertEquals(Map.of(401, ADDRESSES * PER_ADDRESS), statuses, "answers to the flood, by status");
    // 20 000 usernames and 1 000 addresses: more than the table holds, and it holds no more
    assertTrue(guard.entries() <= guard.slots(), guard.entries() + " entries");
    assertTrue(
        guard.entries() > guard.slots() * 8 / 10,
        guard.entries() + " entries: the flood did not fill the table");
    assertEquals(tableBytes, guard.tableBytes());
    assertTrue(
        warnings.stream().anyMatch(w -> w.startsWith("the sign-in lockout table is full")),
        "no warning that the table is full: " + warnings);
    assertEquals(1, warnings.size(), "one warning per lockout period: " + warnings);

    // John's lockout outlived the flood; an address of the flood is still locked out
    Answer john = signin("127.0.3.1", "John", "john123");
    assertError(john, 429, "too_many_requests");
    assertTrue(Integer.parseInt(john.retryAfter()) > 0, john.toString());
    assertError(signin("127.1.0.1", "Utkal", "utkal123"), 429, "too_many_requests");
    // a correct sign-in from an address of its own works
    Answer utkal = signin("127.0.3.2", "Utkal", "utkal123");
    assertEquals(200, utkal.status(), utkal.toString());
    assertTrue(utkal.body().getString("auth_token").startsWith("ey"));
  }

  @Test
  @DisplayName(
      "the flood that ran a -Xmx64m service out of memory (170 addresses x 20 sign-ins with 16 KB usernames) gets 400s, and the service signs users in after it")
  void floodOfHugeUsernamesInASmallHeap() throws Exception {
    Map<String, String> env =
        Map.of(
            "FILEJOBS_HTTP_HOST",
            "127.0.0.1",
            "FILEJOBS_HTTP_PORT",
            "0",
            "FILEJOBS_UPLOADS_DIR",
            dir.resolve("child/Uploads").toString(),
            "FILEJOBS_TEMP_DIR",
            dir.resolve("child/tmp").toString(),
            "FILEJOBS_USERS_FILE",
            Path.of("usersData.json").toAbsolutePath().toString(),
            "FILEJOBS_JWT_SECRET",
            TestServer.SECRET);
    try (ChildJvm node = ChildJvm.startWithOptions(List.of("-Xmx64m"), dir, env)) {
      int port = node.port(60);
      Random random = new Random(64);
      Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
      for (int batch = 0; batch < 170; batch += 10) {
        List<Future<?>> addresses = new ArrayList<>();
        for (int i = batch; i < batch + 10; i++) {
          List<JsonObject> bodies = new ArrayList<>();
          for (int n = 0; n < PER_ADDRESS; n++) {
            bodies.add(credentials(username(random, 16_000), "nope"));
          }
          addresses.add(
              signins(port, "127.2.0." + (1 + i), bodies)
                  .onSuccess(
                      answers ->
                          answers.forEach(a -> statuses.merge(a.status(), 1, Integer::sum))));
        }
        Future.all(addresses).await();
      }
      assertEquals(
          Map.of(400, 170 * PER_ADDRESS),
          statuses,
          "answers to the flood, by status\n" + node.output());
      Answer utkal = signin(port, "127.2.1.1", "Utkal", "utkal123");
      assertEquals(200, utkal.status(), utkal + "\n" + node.output());
      assertTrue(node.process.isAlive());
      assertFalse(node.output().contains("OutOfMemoryError"), node.output());
    }
  }

  /** A username of {@code length} ASCII characters nobody has. */
  private static String username(Random random, int length) {
    StringBuilder name = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      name.append(Character.forDigit(random.nextInt(36), 36));
    }
    return name.toString();
  }

  /** A 255-byte username nobody has (one in 36^255 to meet one twice). */
  private static String username(Random random) {
    return username(random, 255);
  }
}
