package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGKILL the service (a real child JVM) while uploads run, at several points, and start it again
 * on the same folders each time: {@code Uploads/} must hold only files a client finished sending,
 * byte for byte, and the dead node's temp files must be gone.
 */
class CrashTest {

  private static final Logger log = LoggerFactory.getLogger(CrashTest.class);

  @TempDir Path dir;

  /** Per {@code user/name}: the bytes of the last upload the service confirmed (200). */
  private final Map<String, byte[]> confirmed = new HashMap<>();

  /** Per {@code user/name}: bytes sent whole with no answer before the kill (stored or not). */
  private final Map<String, List<byte[]>> unanswered = new HashMap<>();

  private Map<String, String> env() {
    return ChildJvm.env(dir, ChildJvm.projectUsers(), "FILEJOBS_STOP_GRACE_SECONDS", "0");
  }

  @Test
  @DisplayName(
      "killed mid-upload, at the start and as an upload completes: after each restart Uploads/ holds only whole files and no stale temp file is left")
  void killMidUpload() throws Exception {
    long seed = System.nanoTime();
    log.info("seed {}", seed);
    Random random = new Random(seed);
    for (int round = 0; round < 3; round++) {
      try (ChildJvm node = ChildJvm.start(dir, env())) {
        int port = node.port(60);
        if (round > 0) {
          assertTrue(
              node.output().contains("left by 1 stopped node(s)"),
              "the dead node's temp folder was not swept:\n" + node.output());
        }
        assertConsistent();
        Map<String, String> tokens = new HashMap<>();
        tokens.put("Utkal", signin(port, "Utkal", "utkal123"));
        tokens.put("John", signin(port, "John", "john123"));
        tokens.put("Blake", signin(port, "Blake", "blake123"));
        List<SocketUpload> uploads = new ArrayList<>();
        switch (round) {
          case 0 -> { // mid-stream: one upload completed, two half-sent
            SocketUpload small =
                SocketUpload.start(
                    port,
                    "John",
                    tokens.get("John"),
                    "same.bin",
                    bytes(random, 300_000),
                    64 * 1024,
                    0);
            uploads.add(small);
            uploads.add(
                SocketUpload.start(
                    port,
                    "Utkal",
                    tokens.get("Utkal"),
                    "slow-0.bin",
                    bytes(random, 4 << 20),
                    16 * 1024,
                    10));
            uploads.add(
                SocketUpload.start(
                    port,
                    "Blake",
                    tokens.get("Blake"),
                    "slow-0.bin",
                    bytes(random, 4 << 20),
                    16 * 1024,
                    10));
            assertTrue(small.await(10));
            assertEquals(200, small.status);
            TestServer.await(
                "both slow uploads are under way",
                () -> uploads.get(1).sent > 100_000 && uploads.get(2).sent > 100_000);
          }
          case 1 -> { // the moment a large upload's last byte is sent: it replaces an older file
            uploads.add(
                SocketUpload.start(
                    port,
                    "Utkal",
                    tokens.get("Utkal"),
                    "slow-1.bin",
                    bytes(random, 4 << 20),
                    16 * 1024,
                    10));
            SocketUpload large =
                SocketUpload.start(
                    port,
                    "John",
                    tokens.get("John"),
                    "same.bin",
                    bytes(random, 24 << 20),
                    256 * 1024,
                    0);
            uploads.add(large);
            TestServer.await("the large upload is sent", () -> large.finishedSending);
          }
          default -> { // right at the start: requests sent, bytes barely begun
            for (String user : tokens.keySet()) {
              uploads.add(
                  SocketUpload.start(
                      port,
                      user,
                      tokens.get(user),
                      "start-2.bin",
                      bytes(random, 1 << 20),
                      8 * 1024,
                      5));
            }
            Thread.sleep(random.nextInt(60));
          }
        }
        node.kill();
        for (SocketUpload upload : uploads) {
          upload.await(10);
          upload.close();
          record(upload);
        }
      }
    }
    try (ChildJvm node = ChildJvm.start(dir, env())) {
      node.port(60);
      assertTrue(node.output().contains("left by 1 stopped node(s)"), node.output());
      assertConsistent();
    }
  }

  private void record(SocketUpload upload) {
    String key = upload.user + "/" + upload.name;
    if (upload.status == 200) {
      confirmed.put(key, upload.content);
      unanswered.remove(key); // this upload began after any earlier one had ended
    } else if (upload.finishedSending) {
      unanswered.computeIfAbsent(key, k -> new ArrayList<>()).add(upload.content);
    }
  }

  /** Every stored file is one a client sent whole; every confirmed one is there; no temp file. */
  private void assertConsistent() throws IOException {
    Path uploads = dir.resolve("Uploads");
    List<String> stored = new ArrayList<>();
    if (Files.isDirectory(uploads)) {
      try (Stream<Path> files = Files.walk(uploads)) {
        for (Path file :
            files
                .filter(Files::isRegularFile)
                .filter(f -> !f.startsWith(uploads.resolve(".staging")))
                .toList()) {
          String key = uploads.relativize(file).toString();
          stored.add(key);
          byte[] actual = Files.readAllBytes(file);
          List<byte[]> whole = new ArrayList<>(unanswered.getOrDefault(key, List.of()));
          if (confirmed.containsKey(key)) {
            whole.add(confirmed.get(key));
          }
          assertTrue(
              whole.stream().anyMatch(b -> Arrays.equals(b, actual)),
              "Uploads/"
                  + key
                  + " ("
                  + actual.length
                  + " bytes) is not a file a client sent whole");
        }
      }
    }
    for (String key : confirmed.keySet()) {
      assertTrue(stored.contains(key), "the confirmed upload " + key + " is missing");
    }
    assertEquals(List.of(), TestServer.tempFiles(dir.resolve("tmp")), "temp files were left");
    try (Stream<Path> nodes = Files.list(dir.resolve("tmp"))) {
      assertEquals(
          1, nodes.filter(Files::isDirectory).count(), "only the live node's folder stays");
    }
    Path staging = uploads.resolve(".staging");
    assertEquals(List.of(), TestServer.tempFiles(staging), "staged copies were left");
    try (Stream<Path> nodes = Files.list(staging)) {
      assertEquals(
          1, nodes.filter(Files::isDirectory).count(), "only the live node's staging folder stays");
    }
  }

  private static byte[] bytes(Random random, int size) {
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    return bytes;
  }

  static String signin(int port, String user, String password) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/signin"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            new JsonObject()
                                .put("username", user)
                                .put("password", password)
                                .encode()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body()).getString("auth_token");
  }
}
