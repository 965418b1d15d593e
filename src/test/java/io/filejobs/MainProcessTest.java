package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts {@link Main} as its own JVM, the way a user runs the service. */
class MainProcessTest {

  @TempDir Path dir;

  @Test
  @DisplayName(
      "run from another folder with FILEJOBS_* variables and no conf/, it listens, says so, and serves signin")
  void runsFromAnywhere() throws Exception {
    Path users = dir.resolve("users.json");
    Files.copy(Path.of("usersData.json"), users);
    try (ChildJvm node =
        ChildJvm.start(
            dir,
            java.util.Map.of(
                "FILEJOBS_HTTP_HOST",
                "127.0.0.1",
                "FILEJOBS_HTTP_PORT",
                "0",
                "FILEJOBS_UPLOADS_DIR",
                dir.resolve("up").toString(),
                "FILEJOBS_TEMP_DIR",
                dir.resolve("tmp").toString(),
                "FILEJOBS_USERS_FILE",
                users.toString(),
                "FILEJOBS_JWT_SECRET",
                "a-secret-for-the-process-test-0123"))) {
      int port = node.port(30);
      String line = node.output();
      assertTrue(line.contains(dir.resolve("up").toString()), line);
      assertTrue(!line.contains("a-secret-for-the-process-test"), "the secret was logged");
      assertTrue(
          line.contains("user Utkal has a plain password"), "no plain-password warning: " + line);
      assertTrue(
          !line.contains("ExitOnOutOfMemoryError"), "run with the flag, it must not warn: " + line);
      HttpResponse<String> signin =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/signin"))
                      .timeout(Duration.ofSeconds(10))
                      .header("Content-Type", "application/json")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"username\":\"Blake\",\"password\":\"blake123\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, signin.statusCode(), signin.body());
      assertTrue(signin.body().contains("auth_token"));
      assertTrue(Files.isDirectory(dir.resolve("up")));
    }
  }

  @Test
  @DisplayName("a bad setting stops the start with one line naming it and a non-zero exit")
  void badSettingFailsFast() throws Exception {
    try (ChildJvm node = ChildJvm.start(dir, java.util.Map.of("FILEJOBS_HTTP_PORT", "seventy"))) {
      Matcher failed = node.await(Pattern.compile("did not start: (.*)"), 30);
      assertTrue(node.process.waitFor(20, TimeUnit.SECONDS), "the process must exit");
      assertTrue(failed.group(1).contains("FILEJOBS_HTTP_PORT"), failed.group(1));
      assertEquals(1, node.process.exitValue());
    }
  }

  @Test
  @DisplayName("a clustered node without a JWT secret refuses to start, saying why")
  void clusterNeedsSecret() throws Exception {
    try (ChildJvm node =
        ChildJvm.start(dir, java.util.Map.of("FILEJOBS_HTTP_PORT", "0"), "--cluster")) {
      Matcher failed = node.await(Pattern.compile("did not start: (.*)"), 30);
      assertTrue(node.process.waitFor(20, TimeUnit.SECONDS), "the process must exit");
      assertTrue(failed.group(1).contains("FILEJOBS_JWT_SECRET"), failed.group(1));
      assertEquals(1, node.process.exitValue());
    }
  }

  @Test
  @DisplayName("run without -XX:+ExitOnOutOfMemoryError, it says so at start-up and still serves")
  void warnsWithoutExitOnOutOfMemory() throws Exception {
    try (ChildJvm node =
        ChildJvm.startWithOptions(
            java.util.List.of("-XX:-ExitOnOutOfMemoryError"), dir, quietEnv())) {
      node.port(30);
      assertTrue(
          node.output().contains("the JVM runs without -XX:+ExitOnOutOfMemoryError"),
          node.output());
    }
  }

  @Test
  @DisplayName(
      "when the JVM runs out of memory (a heap of 8 MiB), it exits at once instead of hanging on")
  void exitsOnOutOfMemory() throws Exception {
    // ChildJvm passes -XX:+ExitOnOutOfMemoryError, as the README's command does. Without it, this
    // same start runs out of heap on an event loop and the JVM hangs on, answering nothing.
    try (ChildJvm node = ChildJvm.startWithOptions(java.util.List.of("-Xmx8m"), dir, quietEnv())) {
      assertTrue(
          node.process.waitFor(30, TimeUnit.SECONDS), "the process must exit: " + node.output());
      node.awaitOutputEnd();
      assertTrue(
          node.output().contains("Terminating due to java.lang.OutOfMemoryError"), node.output());
      assertEquals(3, node.process.exitValue(), node.output());
    }
  }

  /** Settings for a node on a free port with its folders under {@link #dir}. */
  private java.util.Map<String, String> quietEnv() {
    return java.util.Map.of(
        "FILEJOBS_HTTP_HOST",
        "127.0.0.1",
        "FILEJOBS_HTTP_PORT",
        "0",
        "FILEJOBS_UPLOADS_DIR",
        dir.resolve("up").toString(),
        "FILEJOBS_TEMP_DIR",
        dir.resolve("tmp").toString(),
        "FILEJOBS_USERS_FILE",
        Path.of("usersData.json").toAbsolutePath().toString(),
        "FILEJOBS_JWT_SECRET",
        "a-secret-for-the-process-test-0123");
  }

  @Test
  @DisplayName("hash-password prints a passwordHash for the password read from standard input")
  void hashPassword() throws Exception {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.filejobs.Main",
                "hash-password")
            .directory(dir.toFile())
            .start();
    process.getOutputStream().write("correct horse\n".getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, process.exitValue());
    String hash =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(hash.startsWith("$pbkdf2$"), hash);
    assertTrue(io.filejobs.auth.Passwords.verify(hash, "correct horse"));
    assertTrue(!io.filejobs.auth.Passwords.verify(hash, "correct horse\n"));
  }
}
