package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.filejobs.storage.FileNameEncoding;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service under a POSIX locale ({@code LANG=C}, as in many containers), where the JVM encodes
 * file names in ASCII: it runs itself again under {@code LC_ALL=C.UTF-8}, so non-ASCII names work.
 */
class LocaleTest {

  static final String NAME = "café-文.txt";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private Map<String, String> env(String... more) {
    Map<String, String> env =
        ChildJvm.env(dir, ChildJvm.projectUsers(), "LANG", "C", "LC_ALL", "C");
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  @Test
  @DisplayName(
      "under LANG=C a name like café-文.txt is uploaded (filename and filename*), stored under exactly that name, listed and exported; SIGTERM stops it cleanly")
  void nonAsciiNamesUnderPosixLocale() throws Exception {
    // This JVM (the test's) reads the stored names: it must itself decode them as UTF-8.
    assumeTrue(FileNameEncoding.isUtf8(), "the tests themselves run under a non-UTF-8 locale");
    byte[] first = new byte[100_000];
    byte[] second = new byte[70_000];
    new Random(1).nextBytes(first);
    new Random(2).nextBytes(second);
    try (ChildJvm node = ChildJvm.start(dir, env())) {
      int port = node.port(60);
      assertTrue(
          node.output().contains("running filejobs in a child JVM with LC_ALL=C.UTF-8"),
          node.output());
      List<ProcessHandle> children = node.process.toHandle().children().toList();
      assertEquals(1, children.size(), "one child JVM runs the service");
      String token = CrashTest.signin(port, "Utkal", "utkal123");

      // the name as UTF-8 bytes in filename, as browsers and curl send it
      HttpResponse<String> plain = upload(port, token, "filename=\"" + NAME + "\"", first);
      assertEquals(200, plain.statusCode(), plain.body() + "\n" + node.output());
      assertEquals(NAME, new JsonObject(plain.body()).getString("filename"));
      assertEquals(List.of(NAME), stored());
      assertArrayEquals(first, Files.readAllBytes(dir.resolve("Uploads/Utkal").resolve(NAME)));

      // the name in RFC 5987 form, which wins over filename
      HttpResponse<String> extended =
          upload(
              port,
              token,
              "filename=\"cafe.txt\"; filename*=UTF-8''caf%C3%A9-%E6%96%87.txt",
              second);
      assertEquals(200, extended.statusCode(), extended.body() + "\n" + node.output());
      assertEquals(List.of(NAME), stored());
      assertArrayEquals(second, Files.readAllBytes(dir.resolve("Uploads/Utkal").resolve(NAME)));

      HttpResponse<String> files =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/files"))
                  .header("auth_token", token)
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      assertEquals(200, files.statusCode(), files.body());
      JsonArray listed = new JsonObject(files.body()).getJsonArray("files");
      assertEquals(1, listed.size(), files.body());
      assertEquals(NAME, listed.getJsonObject(0).getString("name"));

      HttpResponse<byte[]> export =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/export"))
                  .header("auth_token", token)
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(10))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          new JsonObject().put("filename", NAME).encode(), StandardCharsets.UTF_8))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, export.statusCode());
      assertArrayEquals(second, export.body());

      node.terminate();
      assertTrue(node.process.waitFor(30, TimeUnit.SECONDS), "the process must exit");
      node.awaitOutputEnd();
      assertTrue(node.output().contains("filejobs stopped"), node.output());
      assertTrue(children.get(0).onExit().get(10, TimeUnit.SECONDS) != null);
      assertEquals(
          143, node.process.exitValue(), "the launcher exits as the SIGTERM left its child");
    }
    assertNoNodeFolder(dir.resolve("tmp"));
    assertNoNodeFolder(dir.resolve("Uploads/.staging"));
  }

  @Test
  @DisplayName(
      "the service launched under LANG=C stops, cleanly, when its launcher is killed with SIGKILL")
  void childStopsWithLauncher() throws Exception {
    try (ChildJvm node = ChildJvm.start(dir, env())) {
      node.port(60);
      ProcessHandle child = node.process.toHandle().children().findFirst().orElseThrow();
      node.process.toHandle().destroyForcibly(); // SIGKILL, keeping its output readable
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (child.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(!child.isAlive(), "the service outlived its launcher:\n" + node.output());
      // (Once its launcher is gone, the JDK closes this end of their shared output pipe, so what
      // the service logs while it stops is lost here.) It stopped gracefully: a node removes its
      // folders only then.
      assertNoNodeFolder(dir.resolve("tmp"));
      assertNoNodeFolder(dir.resolve("Uploads/.staging"));
    }
  }

  @Test
  @DisplayName(
      "where no UTF-8 locale can be had, the service refuses to start with one line naming the fix")
  void refusesWithoutUtf8() throws Exception {
    // This system has C.UTF-8, so the child's situation on one that has not is made by hand: the
    // process is told it is the child already, and its locale is still C.
    try (ChildJvm node = ChildJvm.start(dir, env(Utf8Relaunch.CHILD, "1"))) {
      Matcher failed = node.await(Pattern.compile("did not start: (.*)"), 30);
      assertTrue(node.process.waitFor(20, TimeUnit.SECONDS), "the process must exit");
      assertEquals(1, node.process.exitValue());
      assertTrue(
          failed.group(1).contains("file names need UTF-8")
              && failed.group(1).contains("ANSI_X3.4-1968")
              && failed.group(1).contains("LC_ALL=C.UTF-8"),
          failed.group(1));
      assertTrue(!Files.exists(dir.resolve("Uploads")), "nothing was made");
    }
  }

  /** A multipart upload of {@code bytes} whose part names its file with {@code disposition}. */
  private HttpResponse<String> upload(int port, String token, String disposition, byte[] bytes)
      throws Exception {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(
        ("--"
                + SlowClients.BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"file\"; "
                + disposition
                + "\r\nContent-Type: application/octet-stream\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.write(bytes);
    body.write(("\r\n--" + SlowClients.BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload"))
            .header("auth_token", token)
            .header("Content-Type", "multipart/form-data; boundary=" + SlowClients.BOUNDARY)
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** The names in Utkal's folder, as this (UTF-8) JVM decodes the bytes on disk. */
  private List<String> stored() throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("Uploads/Utkal"))) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static void assertNoNodeFolder(Path folder) throws Exception {
    try (Stream<Path> entries = Files.list(folder)) {
      assertEquals(
          0, entries.filter(Files::isDirectory).count(), "a node folder was left in " + folder);
    }
  }
}
