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
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
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
  @DisplayName("with the temp folder on another file system, an upload is still published whole and atomically")
  void crossFileSystemPublish(Vertx vertx) throws Exception {
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm here");
    FileStore uploadsStore = Files.getFileStore(dir);
    assumeTrue(!Files.getFileStore(shm).equals(uploadsStore), "/dev/shm is not another file system");
    shmTemp = shm.resolve("filejobs-test-" + UUID.randomUUID());
    Settings settings = TestServer.settings(dir).withTempDir(shmTemp.toString());
    TestServer server = TestServer.start(vertx, settings);
    Path file = TestServer.randomFile(dir, "cross.bin", 2_000_000);

    HttpResponse<Buffer> response = server.upload(server.utkal(), file, "cross.bin");

    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertArrayEquals(Files.readAllBytes(file),
        Files.readAllBytes(server.uploads.resolve("Utkal/cross.bin")));
    assertTrue(server.tempFiles().isEmpty(), "temp file left in " + shmTemp);
    Path staging = server.uploads.resolve(".staging");
    try (Stream<Path> staged = Files.exists(staging) ? Files.list(staging) : Stream.empty()) {
      assertFalse(staged.findAny().isPresent(), "a staged copy was left behind");
    }
  }

  @Test
  @DisplayName("when the file cannot be published, the upload answers 500, leaves no temp file and frees the slot")
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
