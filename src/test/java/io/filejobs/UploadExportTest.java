package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class UploadExportTest {

  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestServer.start(vertx, dir);
  }

  private HttpResponse<Buffer> upload(String token, Path file, String name) {
    return server.upload(token, file, name);
  }

  private HttpResponse<Buffer> export(String token, String name) {
    return server
        .client
        .post("/export")
        .putHeader("auth_token", token)
        .sendJsonObject(new JsonObject().put("filename", name))
        .await();
  }

  @Test
  @DisplayName(
      "an uploaded file is stored byte for byte under Uploads/<user>/ and no temp file is left")
  void uploadStoresTheFile() throws Exception {
    Path file = TestServer.randomFile(dir, "report.bin", 5 * 1024 * 1024 + 17);
    HttpResponse<Buffer> response = upload(server.utkal(), file, "report.bin");

    assertEquals(200, response.statusCode(), response.bodyAsString());
    JsonObject body = response.bodyAsJsonObject();
    assertEquals("report.bin", body.getString("filename"));
    assertEquals(Files.size(file), body.getLong("size"));
    assertTrue(body.getString("message").contains("report.bin"));
    assertArrayEquals(
        Files.readAllBytes(file), Files.readAllBytes(server.uploads.resolve("Utkal/report.bin")));
    assertTrue(server.tempFiles().isEmpty(), "temp files left: " + server.tempFiles());
  }

  @Test
  @DisplayName("an empty file uploads and exports as an empty file")
  void emptyFile() throws Exception {
    Path file = TestServer.randomFile(dir, "empty.txt", 0);
    String token = server.utkal();
    assertEquals(200, upload(token, file, "empty.txt").statusCode());
    assertEquals(0, Files.size(server.uploads.resolve("Utkal/empty.txt")));
    HttpResponse<Buffer> exported = export(token, "empty.txt");
    assertEquals(200, exported.statusCode());
    assertEquals("0", exported.getHeader("Content-Length"));
  }

  @Test
  @DisplayName("an upload with the Authorization: Bearer header works like auth_token")
  void bearerToken() throws Exception {
    Path file = TestServer.randomFile(dir, "b.bin", 1000);
    HttpResponse<Buffer> response =
        server
            .client
            .post("/upload")
            .bearerTokenAuthentication(server.john())
            .sendMultipartForm(
                MultipartForm.create()
                    .binaryFileUpload("file", "b.bin", file.toString(), "application/octet-stream"))
            .await();
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertTrue(Files.exists(server.uploads.resolve("John/b.bin")));
  }

  @Test
  @DisplayName("uploading a name again replaces the stored file with the new bytes")
  void reuploadReplaces() throws Exception {
    String token = server.utkal();
    Path first = TestServer.randomFile(dir, "first", 300_000);
    Path second = TestServer.randomFile(dir, "second", 200_000);
    assertEquals(200, upload(token, first, "same.bin").statusCode());
    assertEquals(200, upload(token, second, "same.bin").statusCode());
    assertArrayEquals(
        Files.readAllBytes(second), Files.readAllBytes(server.uploads.resolve("Utkal/same.bin")));
  }

  @Test
  @DisplayName("a path in the uploaded file name is reduced to its last element")
  void uploadNameIsReduced() throws Exception {
    Buffer body =
        Buffer.buffer()
            .appendBuffer(SlowClients.partHead("file", "../../windows/evil.txt"))
            .appendString("hello")
            .appendBuffer(SlowClients.closing());
    HttpResponse<Buffer> response = server.uploadRaw(server.utkal(), body);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertEquals("evil.txt", response.bodyAsJsonObject().getString("filename"));
    assertTrue(Files.exists(server.uploads.resolve("Utkal/evil.txt")));
  }

  @Test
  @DisplayName("an uploaded name that cannot be stored is refused with 400 and nothing is stored")
  void badUploadName() throws Exception {
    Path file = TestServer.randomFile(dir, "x", 1000);
    HttpResponse<Buffer> response = upload(server.utkal(), file, ".hidden");
    assertEquals(400, response.statusCode());
    assertEquals("bad_request", response.bodyAsJsonObject().getString("error"));
    assertFalse(Files.exists(server.uploads.resolve("Utkal/.hidden")));
    TestServer.await("the temp file is removed", () -> noTempFiles());
  }

  private boolean noTempFiles() {
    return server.tempFiles().isEmpty();
  }

  @Test
  @DisplayName("an export streams the stored file byte for byte with length, type and name")
  void exportStreamsTheFile() throws Exception {
    String token = server.utkal();
    Path file = TestServer.randomFile(dir, "data.bin", 3 * 1024 * 1024 + 5);
    assertEquals(200, upload(token, file, "data.bin").statusCode());

    HttpResponse<Buffer> response = export(token, "data.bin");

    assertEquals(200, response.statusCode());
    assertEquals("application/octet-stream", response.getHeader("Content-Type"));
    assertEquals(Long.toString(Files.size(file)), response.getHeader("Content-Length"));
    assertTrue(response.getHeader("Content-Disposition").contains("filename=\"data.bin\""));
    assertArrayEquals(Files.readAllBytes(file), response.body().getBytes());
  }

  @Test
  @DisplayName("exporting a file that does not exist answers 404")
  void exportMissing() {
    HttpResponse<Buffer> response = export(server.utkal(), "nothing.bin");
    assertEquals(404, response.statusCode());
    assertEquals("not_found", response.bodyAsJsonObject().getString("error"));
  }

  @Test
  @DisplayName("a user cannot export another user's file: 404, as if it did not exist")
  void exportOthersFile() throws Exception {
    Path file = TestServer.randomFile(dir, "secret.bin", 1000);
    assertEquals(200, upload(server.utkal(), file, "secret.bin").statusCode());
    HttpResponse<Buffer> response = export(server.john(), "secret.bin");
    assertEquals(404, response.statusCode());
    assertEquals(
        export(server.john(), "never-existed.bin").bodyAsJsonObject().getString("error"),
        response.bodyAsJsonObject().getString("error"));
  }

  @Test
  @DisplayName("export names that try to leave the user's folder answer 404")
  void exportTraversal() throws Exception {
    Path file = TestServer.randomFile(dir, "mine.bin", 1000);
    assertEquals(200, upload(server.utkal(), file, "mine.bin").statusCode());
    String john = server.john();
    for (String name :
        new String[] {"../Utkal/mine.bin", "..", ".", "/etc/passwd", "..\\Utkal\\mine.bin", ""}) {
      HttpResponse<Buffer> response = export(john, name);
      assertTrue(
          response.statusCode() == 404 || response.statusCode() == 400,
          name + " answered " + response.statusCode());
      assertFalse(response.bodyAsString().contains(dir.toString()), "server path leaked");
    }
  }

  @Test
  @DisplayName("symbolic links planted in Uploads/ never lead an export or an upload outside it")
  void plantedLinks() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Path secret = Files.writeString(outside.resolve("secret.txt"), "not yours");
    String utkal = server.utkal();
    server.upload(utkal, TestServer.randomFile(dir, "mine.bin", 100), "mine.bin");
    Files.createSymbolicLink(server.uploads.resolve("Utkal/link.txt"), secret);
    Files.createSymbolicLink(server.uploads.resolve("John"), outside);

    HttpResponse<Buffer> viaFileLink = export(utkal, "link.txt");
    assertEquals(404, viaFileLink.statusCode());
    assertFalse(viaFileLink.bodyAsString().contains("not yours"));
    String john = server.john();
    HttpResponse<Buffer> viaFolderLink = export(john, "secret.txt");
    assertEquals(404, viaFolderLink.statusCode());

    HttpResponse<Buffer> upload =
        upload(john, TestServer.randomFile(dir, "x.bin", 100), "planted.bin");
    assertEquals(500, upload.statusCode(), "an upload through a linked folder must be refused");
    assertFalse(
        Files.exists(outside.resolve("planted.bin")), "an upload was written outside Uploads/");

    var listed =
        server
            .client
            .get("/files")
            .putHeader("auth_token", utkal)
            .send()
            .await()
            .bodyAsJsonObject()
            .getJsonArray("files");
    assertEquals(1, listed.size(), listed.encode());
    assertEquals("mine.bin", listed.getJsonObject(0).getString("name"));
  }
}
