package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.filejobs.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class StorageTest {

  @TempDir Path dir;
  Path shmTemp;

  @AfterEach
  void removeShmTemp() throws Exception {
    if (shmTemp != null && Files.exists(shmTemp)) {
      try (Stream<Path> all = Files.walk(shmTemp)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  @Test
  @DisplayName(
      "with the temp folder on another file system, an upload is still published whole and atomically")
  void crossFileSystemPublish(Vertx vertx) throws Exception {
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm here");
    FileStore uploadsStore = Files.getFileStore(dir);
    assumeTrue(
        !Files.getFileStore(shm).equals(uploadsStore), "/dev/shm is not another file system");
    shmTemp = shm.resolve("filejobs-test-" + UUID.randomUUID());
    Settings settings = TestServer.settings(dir).withTempDir(shmTemp.toString());
    TestServer server = TestServer.start(vertx, settings);
    Path file = TestServer.randomFile(dir, "cross.bin", 2_000_000);

    HttpResponse<Buffer> response = server.upload(server.utkal(), file, "cross.bin");

    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertArrayEquals(
        Files.readAllBytes(file), Files.readAllBytes(server.uploads.resolve("Utkal/cross.bin")));
    assertTrue(server.tempFiles().isEmpty(), "temp file left in " + shmTemp);
    Path staging = server.uploads.resolve(".staging");
    assertEquals(List.of(), TestServer.tempFiles(staging), "a staged copy was left behind");
    try (Stream<Path> nodes = Files.list(staging)) {
      assertEquals(
          1, nodes.filter(Files::isDirectory).count(), "the node stages in a folder of its own");
    }
  }

  @Test
  @DisplayName(
      "at start-up, what dead nodes (and older builds) left in Uploads/.staging is removed and logged; a live node's folder is left alone")
  @SuppressWarnings("try") // the lock is held for the block, never referenced in it
  void staleStagingSwept() throws Exception {
    Path staging = Files.createDirectories(dir.resolve("Uploads/.staging"));
    Path dead = Files.createDirectories(staging.resolve("node-dead"));
    Files.createFile(dead.resolve(".lock"));
    TestServer.randomFile(dead, UUID.randomUUID() + ".part", 1 << 20);
    Path live = Files.createDirectories(staging.resolve("node-live"));
    Path livePart = TestServer.randomFile(live, UUID.randomUUID() + ".part", 1000);
    Path oldLoose = TestServer.randomFile(staging, UUID.randomUUID() + ".part", 1000);
    Files.setLastModifiedTime(oldLoose, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
    Path freshLoose = TestServer.randomFile(staging, UUID.randomUUID() + ".part", 1000);
    Map<String, String> env = ChildJvm.env(dir, ChildJvm.projectUsers());
    // the live node is this test's process, holding its folder's lock as a running node does
    try (FileChannel channel =
            FileChannel.open(
                live.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = channel.lock();
        ChildJvm node = ChildJvm.start(dir, env)) {
      node.port(60);
      String log = node.output();
      assertTrue(
          log.contains(
              "removed 1 staged copies of uploads being published left by 1"
                  + " stopped node(s) in "
                  + staging),
          log);
      assertTrue(log.contains("removed 1 staged copies older than"), log);
      assertFalse(Files.exists(dead), "the dead node's folder is removed");
      assertFalse(Files.exists(oldLoose), "an old loose copy is removed");
      assertTrue(Files.exists(livePart), "a live node's copy is never touched");
      assertTrue(
          Files.exists(freshLoose), "a recent loose copy may be an older build's, under way");

      node.terminate();
      assertTrue(node.process.waitFor(30, TimeUnit.SECONDS), "the process must exit");
      try (Stream<Path> nodes = Files.list(staging)) {
        assertEquals(
            List.of(live),
            nodes.filter(Files::isDirectory).toList(),
            "a stopped node removes its own folder and only that");
      }
      assertTrue(Files.exists(livePart));
    }
  }

  @Test
  @DisplayName(
      "when the file cannot be published, the upload answers 500, leaves no temp file and frees the slot")
  void publishFailure(Vertx vertx) throws Exception {
    TestServer server = TestServer.start(vertx, dir);
    Files.writeString(server.uploads.resolve("John"), "a file where John's folder should be");
    String token = server.john();
    Path file = TestServer.randomFile(dir, "a.bin", 100_000);

    HttpResponse<Buffer> failed = server.upload(token, file, "a.bin");

    assertEquals(500, failed.statusCode(), failed.bodyAsString());
    assertEquals("internal_error", failed.bodyAsJsonObject().getString("error"));
    assertFalse(failed.bodyAsString().contains(dir.toString()), "server path leaked");
    assertTrue(server.tempFiles().isEmpty());
    Files.delete(server.uploads.resolve("John"));
    assertEquals(200, server.upload(token, file, "a.bin").statusCode(), "the slot must be free");
  }
}
