package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.auth.Passwords;
import io.filejobs.auth.Tokens;
import io.filejobs.auth.Users;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many fast uploads at once into a service whose heap is small: what waits for the disk must not
 * pile up in memory (each upload's gathered bytes, and what its socket brings while it is paused).
 */
class SmallHeapTest {

  private static final int UPLOADS = 32;
  private static final int SIZE = 32 << 20;

  @TempDir Path dir;

  @Test
  @DisplayName(
      "32 fast uploads at once into a service run with -Xmx64m: every file is stored whole and the service never runs out of memory")
  void manyFastUploadsInASmallHeap() throws Exception {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= UPLOADS; i++) {
      names.add(String.format("heap%02d", i));
    }
    Path usersFile = writeUsers(names);
    Map<String, String> env = ChildJvm.env(dir, usersFile);
    byte[] content = new byte[SIZE];
    new Random(7).nextBytes(content);
    Vertx vertx = Vertx.vertx();
    try (ChildJvm node = ChildJvm.startWithOptions(List.of("-Xmx64m"), dir, env)) {
      int port = node.port(60);
      Tokens tokens =
          new Tokens(
              vertx, TestServer.SECRET, 3600, Users.load(vertx, usersFile.toString()).await());
      List<SocketUpload> uploads = new ArrayList<>();
      for (String user : names) {
        // As fast as the socket takes it: 256 KiB writes, no pause.
        uploads.add(
            SocketUpload.start(port, user, tokens.issue(user), "big.bin", content, 256 << 10, 0));
      }
      for (SocketUpload upload : uploads) {
        assertTrue(upload.await(180), upload.user + ": no answer in 180 s\n" + tail(node.output()));
        assertEquals(200, upload.status, upload.user + "'s upload\n" + tail(node.output()));
      }
      for (String user : names) {
        Path stored = dir.resolve("Uploads").resolve(user).resolve("big.bin");
        assertEquals(
            -1L, Files.mismatch(stored, writeOnce(content)), stored + " is not the file sent");
      }
      assertFalse(node.output().contains("OutOfMemoryError"), tail(node.output()));
    } finally {
      vertx.close().await();
    }
  }

  private Path sent;

  /** The content as a file, written once, to compare stored files with. */
  private Path writeOnce(byte[] content) throws Exception {
    if (sent == null) {
      sent = Files.write(dir.resolve("sent.bin"), content);
    }
    return sent;
  }

  private Path writeUsers(List<String> names) throws Exception {
    String hash = Passwords.hash("small-heap-test");
    JsonArray users = new JsonArray();
    for (String name : names) {
      users.add(
          new JsonObject()
              .put("username", name)
              .put("passwordHash", hash)
              .put("api_key", "key-" + name));
    }
    return Files.writeString(dir.resolve("users-heap.json"), users.encodePrettily());
  }

  private static String tail(String output) {
    return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
  }
}
