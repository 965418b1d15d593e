package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts {@link Main} as its own JVM, the way a user runs the service. */
class MainProcessTest {

  private static final Pattern LISTENING = Pattern.compile("filejobs listening on ([^:]+):(\\d+)");

  @TempDir Path dir;

  private Process start(Path workDir, java.util.Map<String, String> env) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // the service's own logging, not the tests' quiet one
                "-Dlogback.configurationFile=" + MainProcessTest.class.getResource("/logback.xml"),
                "-cp", System.getProperty("java.class.path"),
                "io.filejobs.Main")
            .directory(workDir.toFile())
            .redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("FILEJOBS_"));
    builder.environment().putAll(env);
    return builder.start();
  }

  /** Reads the process's output until {@code pattern} matches a line (15 s at most). */
  private static CompletableFuture<Matcher> watch(Process process, Pattern pattern, StringBuilder seen) {
    return CompletableFuture.supplyAsync(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          synchronized (seen) {
            seen.append(line).append('\n');
          }
          Matcher m = pattern.matcher(line);
          if (m.find()) {
            return m;
          }
        }
        return null;
      } catch (Exception e) {
        return null;
      }
    });
  }

  @Test
  @DisplayName("run from another folder with FILEJOBS_* variables and no conf/, it listens, says so, and serves signin")
  void runsFromAnywhere() throws Exception {
    Path users = dir.resolve("users.json");
    Files.copy(Path.of("usersData.json"), users);
    Process process = start(dir, java.util.Map.of(
        "FILEJOBS_HTTP_HOST", "127.0.0.1",
        "FILEJOBS_HTTP_PORT", "0",
        "FILEJOBS_UPLOADS_DIR", dir.resolve("up").toString(),
        "FILEJOBS_TEMP_DIR", dir.resolve("tmp").toString(),
        "FILEJOBS_USERS_FILE", users.toString(),
        "FILEJOBS_JWT_SECRET", "a-secret-for-the-process-test-0123"));
    StringBuilder seen = new StringBuilder();
    try {
      Matcher listening = watch(process, LISTENING, seen).get(20, TimeUnit.SECONDS);
      assertTrue(listening != null, "no listening line in:\n" + seen);
      String line = seen.toString();
      assertTrue(line.contains(dir.resolve("up").toString()), line);
      assertTrue(!line.contains("a-secret-for-the-process-test"), "the secret was logged");
      assertTrue(line.contains("user Utkal has a plain password"), "no plain-password warning: " + line);
      int port = Integer.parseInt(listening.group(2));
      HttpResponse<String> signin = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/signin"))
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"Blake\",\"password\":\"blake123\"}"))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, signin.statusCode(), signin.body());
      assertTrue(signin.body().contains("auth_token"));
      assertTrue(Files.isDirectory(dir.resolve("up")));
    } finally {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
      process.destroyForcibly();
    }
  }

  @Test
  @DisplayName("a bad setting stops the start with one line naming it and a non-zero exit")
  void badSettingFailsFast() throws Exception {
    Process process = start(dir, java.util.Map.of("FILEJOBS_HTTP_PORT", "seventy"));
    StringBuilder seen = new StringBuilder();
    Matcher failed = watch(process, Pattern.compile("did not start: (.*)"), seen).get(20, TimeUnit.SECONDS);
    assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the process must exit");
    process.destroyForcibly();
    assertTrue(failed != null, "no failure line in:\n" + seen);
    assertTrue(failed.group(1).contains("FILEJOBS_HTTP_PORT"), failed.group(1));
    assertEquals(1, process.exitValue());
  }

  @Test
  @DisplayName("hash-password prints a passwordHash for the password read from standard input")
  void hashPassword() throws Exception {
    Process process = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), "io.filejobs.Main", "hash-password")
        .directory(dir.toFile())
        .start();
    process.getOutputStream().write("correct horse\n".getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, process.exitValue());
    String hash = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(hash.startsWith("$pbkdf2$"), hash);
    assertTrue(io.filejobs.auth.Passwords.verify(hash, "correct horse"));
    assertTrue(!io.filejobs.auth.Passwords.verify(hash, "correct horse\n"));
  }
}
