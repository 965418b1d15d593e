package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** tus 1.0 at /tus, from raw HTTP requests: the protocol as its text says, and our own rules. */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class TusProtocolTest {

  @TempDir Path dir;
  TestServer server;
  String token;
  byte[] bytes;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    server =
        TestServer.start(
            vertx, TestServer.settings(dir).toBuilder().maxUploadBytes(10_000_000).build());
    token = server.utkal();
    bytes = Files.readAllBytes(TestServer.randomFile(dir, "source.bin", 300_000));
  }

  private HttpRequest<Buffer> tus(HttpMethod method, String uri, String token) {
    return server
        .client
        .request(method, uri)
        .putHeader("Tus-Resumable", "1.0.0")
        .bearerTokenAuthentication(token);
  }

  static String metadata(String name) {
    return "filename " + Base64.getEncoder().encodeToString(name.getBytes(StandardCharsets.UTF_8));
  }

  /** Creates an upload of {@code length} bytes named {@code name}; its URL. */
  private String create(String name, long length) {
    HttpResponse<Buffer> created =
        tus(HttpMethod.POST, "/tus", token)
            .putHeader("Upload-Length", Long.toString(length))
            .putHeader("Upload-Metadata", metadata(name))
            .send()
            .await();
    assertEquals(201, created.statusCode(), created.bodyAsString());
    String location = created.getHeader("Location");
    assertNotNull(location);
    assertTrue(location.matches("/tus/[0-9a-f]{32}"), location);
    return location;
  }

  private HttpResponse<Buffer> patch(String url, String token, long offset, byte[] part) {
    return tus(HttpMethod.PATCH, url, token)
        .putHeader("Upload-Offset", Long.toString(offset))
        .putHeader("Content-Type", "application/offset+octet-stream")
        .sendBuffer(Buffer.buffer(part))
        .await();
  }

  private HttpResponse<Buffer> head(String url, String token) {
    return tus(HttpMethod.HEAD, url, token).send().await();
  }

  private long offset(String url) {
    HttpResponse<Buffer> head = head(url, token);
    assertEquals(200, head.statusCode());
    return Long.parseLong(head.getHeader("Upload-Offset"));
  }

  private List<Path> resumableArea() throws Exception {
    Path area = server.uploads.resolve(".resumable");
    if (!Files.exists(area)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(area)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  private Path stored(String name) {
    return server.uploads.resolve("Utkal").resolve(name);
  }

  @Test
  @DisplayName("OPTIONS tells the version, extensions, size limit and checksums, with no token")
  void options() {
    HttpResponse<Buffer> answer = server.client.request(HttpMethod.OPTIONS, "/tus").send().await();
    assertEquals(204, answer.statusCode());
    assertEquals("1.0.0", answer.getHeader("Tus-Version"));
    assertEquals("10000000", answer.getHeader("Tus-Max-Size"));
    for (String extension :
        List.of(
            "creation",
            "creation-with-upload",
            "creation-defer-length",
            "termination",
            "expiration",
            "checksum")) {
      assertTrue(
          Arrays.asList(answer.getHeader("Tus-Extension").split(",")).contains(extension),
          extension);
    }
    assertEquals("md5,sha1,sha256", answer.getHeader("Tus-Checksum-Algorithm"));
    assertNull(answer.getHeader("Tus-Resumable"));
  }

  @Test
  @DisplayName(
      "a request without Tus-Resumable 1.0.0 gets 412 with Tus-Version, and nothing is made")
  void versionRequired() throws Exception {
    for (String version : new String[] {null, "0.2.2"}) {
      HttpRequest<Buffer> request =
          server
              .client
              .post("/tus")
              .bearerTokenAuthentication(token)
              .putHeader("Upload-Length", "10")
              .putHeader("Upload-Metadata", metadata("a.bin"));
      if (version != null) {
        request.putHeader("Tus-Resumable", version);
      }
      HttpResponse<Buffer> answer = request.send().await();
      assertEquals(412, answer.statusCode());
      assertEquals("1.0.0", answer.getHeader("Tus-Version"));
      assertEquals("1.0.0", answer.getHeader("Tus-Resumable"));
      assertEquals("unsupported_version", answer.bodyAsJsonObject().getString("error"));
    }
    assertTrue(resumableArea().isEmpty());
  }

  @Test
  @DisplayName(
      "created, fed in three PATCHes with HEADs between, the upload is stored byte for byte and"
          + " its URL is gone")
  void uploadInParts() throws Exception {
    String url = create("parts.bin", bytes.length);
    HttpResponse<Buffer> head = head(url, token);
    assertEquals(200, head.statusCode());
    assertEquals("0", head.getHeader("Upload-Offset"));
    assertEquals(Integer.toString(bytes.length), head.getHeader("Upload-Length"));
    assertEquals("no-store", head.getHeader("Cache-Control"));
    assertEquals("1.0.0", head.getHeader("Tus-Resumable"));
    assertNotNull(head.getHeader("Upload-Expires"));
    assertEquals(metadata("parts.bin"), head.getHeader("Upload-Metadata"));

    int[] cuts = {0, 100_000, 250_000, bytes.length};
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> patched =
          patch(url, token, cuts[i], Arrays.copyOfRange(bytes, cuts[i], cuts[i + 1]));
      assertEquals(204, patched.statusCode(), patched.bodyAsString());
      assertEquals(Integer.toString(cuts[i + 1]), patched.getHeader("Upload-Offset"));
      if (i < 2) {
        assertEquals(cuts[i + 1], offset(url));
        assertFalse(Files.exists(stored("parts.bin")), "published before its last byte");
      }
    }
    assertArrayEquals(bytes, Files.readAllBytes(stored("parts.bin")));
    assertEquals(404, head(url, token).statusCode());
    assertEquals(404, patch(url, token, bytes.length, new byte[1]).statusCode());
    assertTrue(resumableArea().isEmpty(), "left: " + resumableArea());
    assertTrue(server.tempFiles().isEmpty());
  }

  @Test
  @DisplayName("a PATCH at another offset gets 409 and changes nothing")
  void offsetMismatch() throws Exception {
    String url = create("m.bin", bytes.length);
    assertEquals(204, patch(url, token, 0, Arrays.copyOf(bytes, 1000)).statusCode());
    HttpResponse<Buffer> wrong = patch(url, token, 500, Arrays.copyOfRange(bytes, 500, 2000));
    assertEquals(409, wrong.statusCode());
    assertEquals("offset_mismatch", wrong.bodyAsJsonObject().getString("error"));
    assertEquals(1000, offset(url));
  }

  @Test
  @DisplayName(
      "another user's token on the upload URL gets 404 for HEAD, PATCH and DELETE, and changes nothing")
  void ownership() throws Exception {
    String url = create("mine.bin", bytes.length);
    assertEquals(204, patch(url, token, 0, Arrays.copyOf(bytes, 1000)).statusCode());
    String john = server.john();
    HttpResponse<Buffer> head = head(url, john);
    assertEquals(404, head.statusCode());
    assertNull(head.getHeader("Upload-Offset"));
    HttpResponse<Buffer> patched = patch(url, john, 1000, new byte[10]);
    assertEquals(404, patched.statusCode());
    assertFalse(patched.bodyAsString().contains(url.substring(5)), "the id leaked");
    assertEquals(404, tus(HttpMethod.DELETE, url, john).send().await().statusCode());
    assertEquals(1000, offset(url));
    assertFalse(Files.exists(server.uploads.resolve("John")));
  }

  @Test
  @DisplayName("DELETE answers exactly 204 and removes the upload's bytes; its URL is then 404")
  void termination() throws Exception {
    String url = create("gone.bin", bytes.length);
    assertEquals(204, patch(url, token, 0, Arrays.copyOf(bytes, 5000)).statusCode());
    HttpResponse<Buffer> deleted = tus(HttpMethod.DELETE, url, token).send().await();
    assertEquals(204, deleted.statusCode());
    assertEquals(0, deleted.body() == null ? 0 : deleted.body().length());
    assertEquals("1.0.0", deleted.getHeader("Tus-Resumable"));
    assertEquals(404, head(url, token).statusCode());
    assertTrue(resumableArea().isEmpty(), "left: " + resumableArea());
    assertFalse(Files.exists(stored("gone.bin")));
  }

  @Test
  @DisplayName(
      "an unfinished upload holds the user's slot: a second one and a multipart upload get 409"
          + " naming it; the original API's status and terminate reach it")
  void oneUnfinishedUpload() throws Exception {
    String url = create("first.bin", bytes.length);
    String id = url.substring("/tus/".length());
    assertEquals(204, patch(url, token, 0, Arrays.copyOf(bytes, 4000)).statusCode());

    HttpResponse<Buffer> second =
        tus(HttpMethod.POST, "/tus", token)
            .putHeader("Upload-Length", "10")
            .putHeader("Upload-Metadata", metadata("second.bin"))
            .send()
            .await();
    assertEquals(409, second.statusCode());
    assertTrue(second.bodyAsJsonObject().getString("message").contains(id));
    assertTrue(second.bodyAsJsonObject().getString("message").contains("DELETE /upload/terminate"));

    HttpResponse<Buffer> multipart =
        server.upload(token, TestServer.randomFile(dir, "x", 10), "x.bin");
    assertEquals(409, multipart.statusCode());
    assertTrue(multipart.bodyAsJsonObject().getString("message").contains(id));
    assertFalse(Files.exists(stored("x.bin")));

    JsonObject status =
        server
            .client
            .get("/upload/status")
            .putHeader("auth_token", token)
            .send()
            .await()
            .bodyAsJsonObject();
    assertEquals("interrupted", status.getString("state"));
    assertEquals(4000, status.getLong("bytes"));
    assertEquals(bytes.length, status.getLong("total"));
    assertEquals("first.bin", status.getString("filename"));
    assertEquals(id, status.getString("id"));
    assertNotNull(status.getString("expiresAt"));

    HttpResponse<Buffer> paused =
        server.client.post("/upload/pause").putHeader("auth_token", token).send().await();
    assertEquals(409, paused.statusCode());

    HttpResponse<Buffer> terminated =
        server.client.delete("/upload/terminate").putHeader("auth_token", token).send().await();
    assertEquals(200, terminated.statusCode(), terminated.bodyAsString());
    assertEquals(4000, terminated.bodyAsJsonObject().getLong("bytes"));
    assertEquals(404, head(url, token).statusCode());
    assertTrue(resumableArea().isEmpty(), "left: " + resumableArea());
    assertEquals(
        404,
        server
            .client
            .get("/upload/status")
            .putHeader("auth_token", token)
            .send()
            .await()
            .statusCode());
    // The slot is free again.
    assertEquals(
        200, server.upload(token, TestServer.randomFile(dir, "y", 10), "y.bin").statusCode());
  }

  @Test
  @DisplayName("bad creations get 400, 413 or 415 and make nothing")
  void badCreations() throws Exception {
    record Case(int status, String length, String metadata, String contentType) {}
    List<Case> cases =
        List.of(
            new Case(413, "10000001", metadata("big.bin"), null),
            new Case(400, "-1", metadata("a.bin"), null),
            new Case(400, "12x", metadata("a.bin"), null),
            new Case(400, null, metadata("a.bin"), null),
            new Case(400, "10", null, null),
            new Case(
                400, "10", "other " + Base64.getEncoder().encodeToString("x".getBytes()), null),
            new Case(400, "10", "filename not*base64", null),
            new Case(400, "10", "filename a, filename b", null),
            new Case(400, "10", metadata(".hidden"), null),
            new Case(400, "10", metadata("a/"), null));
    for (Case c : cases) {
      HttpRequest<Buffer> request = tus(HttpMethod.POST, "/tus", token);
      if (c.length() != null) {
        request.putHeader("Upload-Length", c.length());
      }
      if (c.metadata() != null) {
        request.putHeader("Upload-Metadata", c.metadata());
      }
      HttpResponse<Buffer> answer = request.send().await();
      assertEquals(c.status(), answer.statusCode(), c + ": " + answer.bodyAsString());
      assertNotNull(answer.bodyAsJsonObject().getString("message"));
    }
    HttpResponse<Buffer> wrongType =
        tus(HttpMethod.POST, "/tus", token)
            .putHeader("Upload-Length", "10")
            .putHeader("Upload-Metadata", metadata("a.bin"))
            .putHeader("Content-Type", "text/plain")
            .sendBuffer(Buffer.buffer("0123456789"))
            .await();
    assertEquals(415, wrongType.statusCode());
    assertTrue(resumableArea().isEmpty(), "left: " + resumableArea());
  }

  @Test
  @DisplayName(
      "bad PATCHes get 400 or 415 and leave the offset as it was; one past the length keeps nothing")
  void badPatches() throws Exception {
    String url = create("p.bin", 1000);
    assertEquals(204, patch(url, token, 0, new byte[100]).statusCode());
    HttpResponse<Buffer> wrongType =
        tus(HttpMethod.PATCH, url, token)
            .putHeader("Upload-Offset", "100")
            .putHeader("Content-Type", "application/octet-stream")
            .sendBuffer(Buffer.buffer(new byte[10]))
            .await();
    assertEquals(415, wrongType.statusCode());
    for (String offset : new String[] {"-1", "abc", "1e3", ""}) {
      HttpResponse<Buffer> answer =
          tus(HttpMethod.PATCH, url, token)
              .putHeader("Upload-Offset", offset)
              .putHeader("Content-Type", "application/offset+octet-stream")
              .sendBuffer(Buffer.buffer(new byte[10]))
              .await();
      assertEquals(400, answer.statusCode(), offset);
    }
    HttpResponse<Buffer> tooMuch = patch(url, token, 100, new byte[901]);
    assertEquals(400, tooMuch.statusCode(), tooMuch.bodyAsString());
    assertEquals(100, offset(url));
    assertFalse(Files.exists(stored("p.bin")));
  }

  @Test
  @DisplayName(
      "Upload-Checksum: a matching sha1, md5 or sha256 is taken; a mismatch gets 460 and keeps none of its bytes")
  void checksums() throws Exception {
    String url = create("c.bin", bytes.length);
    int[] cuts = {0, 50_000, 100_000, bytes.length};
    String[][] algorithms = {{"sha1", "SHA-1"}, {"md5", "MD5"}, {"sha256", "SHA-256"}};
    for (int i = 0; i < 3; i++) {
      byte[] part = Arrays.copyOfRange(bytes, cuts[i], cuts[i + 1]);
      byte[] digest = MessageDigest.getInstance(algorithms[i][1]).digest(part);
      byte[] wrong = digest.clone();
      wrong[0] ^= 1;
      HttpResponse<Buffer> refused =
          tus(HttpMethod.PATCH, url, token)
              .putHeader("Upload-Offset", Integer.toString(cuts[i]))
              .putHeader("Content-Type", "application/offset+octet-stream")
              .putHeader(
                  "Upload-Checksum",
                  algorithms[i][0] + " " + Base64.getEncoder().encodeToString(wrong))
              .sendBuffer(Buffer.buffer(part))
              .await();
      assertEquals(460, refused.statusCode(), refused.bodyAsString());
      assertEquals(cuts[i], offset(url));
      HttpResponse<Buffer> taken =
          tus(HttpMethod.PATCH, url, token)
              .putHeader("Upload-Offset", Integer.toString(cuts[i]))
              .putHeader("Content-Type", "application/offset+octet-stream")
              .putHeader(
                  "Upload-Checksum",
                  algorithms[i][0] + " " + Base64.getEncoder().encodeToString(digest))
              .sendBuffer(Buffer.buffer(part))
              .await();
      assertEquals(204, taken.statusCode(), taken.bodyAsString());
    }
    assertArrayEquals(bytes, Files.readAllBytes(stored("c.bin")));
    String other = create("d.bin", 10);
    HttpResponse<Buffer> unknown =
        tus(HttpMethod.PATCH, other, token)
            .putHeader("Upload-Offset", "0")
            .putHeader("Content-Type", "application/offset+octet-stream")
            .putHeader("Upload-Checksum", "crc32 AAAAAA==")
            .sendBuffer(Buffer.buffer(new byte[10]))
            .await();
    assertEquals(400, unknown.statusCode());
  }

  @Test
  @DisplayName(
      "creation-defer-length: the length is declared by a later PATCH, and the upload completes")
  void deferredLength() throws Exception {
    HttpResponse<Buffer> created =
        tus(HttpMethod.POST, "/tus", token)
            .putHeader("Upload-Defer-Length", "1")
            .putHeader("Upload-Metadata", metadata("later.bin"))
            .send()
            .await();
    assertEquals(201, created.statusCode(), created.bodyAsString());
    String url = created.getHeader("Location");
    HttpResponse<Buffer> head = head(url, token);
    assertEquals("1", head.getHeader("Upload-Defer-Length"));
    assertNull(head.getHeader("Upload-Length"));
    assertEquals(204, patch(url, token, 0, Arrays.copyOf(bytes, 1000)).statusCode());
    HttpResponse<Buffer> last =
        tus(HttpMethod.PATCH, url, token)
            .putHeader("Upload-Offset", "1000")
            .putHeader("Upload-Length", Integer.toString(bytes.length))
            .putHeader("Content-Type", "application/offset+octet-stream")
            .sendBuffer(Buffer.buffer(Arrays.copyOfRange(bytes, 1000, bytes.length)))
            .await();
    assertEquals(204, last.statusCode(), last.bodyAsString());
    assertArrayEquals(bytes, Files.readAllBytes(stored("later.bin")));
  }

  @Test
  @DisplayName("creation-with-upload stores the POST's body; an empty upload is stored at creation")
  void creationWithUpload() throws Exception {
    HttpResponse<Buffer> created =
        tus(HttpMethod.POST, "/tus", token)
            .putHeader("Upload-Length", Integer.toString(bytes.length))
            .putHeader("Upload-Metadata", metadata("quick.bin"))
            .putHeader("Content-Type", "application/offset+octet-stream")
            .sendBuffer(Buffer.buffer(Arrays.copyOf(bytes, 70_000)))
            .await();
    assertEquals(201, created.statusCode(), created.bodyAsString());
    assertEquals("70000", created.getHeader("Upload-Offset"));
    String url = created.getHeader("Location");
    assertEquals(70_000, offset(url));
    assertEquals(
        204,
        patch(url, token, 70_000, Arrays.copyOfRange(bytes, 70_000, bytes.length)).statusCode());
    assertArrayEquals(bytes, Files.readAllBytes(stored("quick.bin")));

    String empty = create("empty.bin", 0);
    assertEquals(0, Files.size(stored("empty.bin")));
    assertEquals(404, head(empty, token).statusCode());
  }

  @Test
  @DisplayName("a tus upload of a stored name replaces the file")
  void replaces() throws Exception {
    Files.createDirectories(stored("r.bin").getParent());
    Files.write(stored("r.bin"), new byte[] {1, 2, 3});
    String url = create("r.bin", bytes.length);
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(stored("r.bin")));
    assertEquals(204, patch(url, token, 0, bytes).statusCode());
    assertArrayEquals(bytes, Files.readAllBytes(stored("r.bin")));
  }

  @Test
  @DisplayName("X-HTTP-Method-Override lets a POST act as the PATCH, HEAD or DELETE it names")
  void methodOverride() throws Exception {
    String url = create("o.bin", bytes.length + 1000);
    HttpResponse<Buffer> patched =
        tus(HttpMethod.POST, url, token)
            .putHeader("X-HTTP-Method-Override", "PATCH")
            .putHeader("Upload-Offset", "0")
            .putHeader("Content-Type", "application/offset+octet-stream")
            .sendBuffer(Buffer.buffer(bytes))
            .await();
    assertEquals(204, patched.statusCode(), patched.bodyAsString());
    assertEquals(Integer.toString(bytes.length), patched.getHeader("Upload-Offset"));
    HttpResponse<Buffer> more =
        tus(HttpMethod.POST, url, token)
            .putHeader("X-HTTP-Method-Override", "PATCH")
            .putHeader("Upload-Offset", Integer.toString(bytes.length))
            .putHeader("Content-Type", "application/offset+octet-stream")
            .sendBuffer(Buffer.buffer(Arrays.copyOf(bytes, 999)))
            .await();
    assertEquals(204, more.statusCode(), more.bodyAsString());
    HttpResponse<Buffer> head =
        tus(HttpMethod.POST, url, token).putHeader("X-HTTP-Method-Override", "HEAD").send().await();
    assertEquals(200, head.statusCode());
    assertEquals(Integer.toString(bytes.length + 999), head.getHeader("Upload-Offset"));
    HttpResponse<Buffer> deleted =
        tus(HttpMethod.POST, url, token)
            .putHeader("X-HTTP-Method-Override", "DELETE")
            .send()
            .await();
    assertEquals(204, deleted.statusCode());
    assertEquals(404, head(url, token).statusCode());
    assertEquals(405, tus(HttpMethod.POST, url, token).send().await().statusCode());
  }
}
