package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.filejobs.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A real filejobs server for one test: deployed on 127.0.0.1 and a free port, with its own uploads
 * and temp folders under the test's temp dir, the project's {@code usersData.json}, and a known
 * secret; plus a WebClient pointed at it.
 */
public final class TestServer {

  public static final String SECRET = "test-secret-that-is-long-enough-for-hs256";

  public final Vertx vertx;
  public final Settings settings;
  public final int port;
  public final WebClient client;
  public final Path uploads;
  public final Path temp;

  private TestServer(Vertx vertx, Settings settings, int port) {
    this.vertx = vertx;
    this.settings = settings;
    this.port = port;
    this.uploads = Path.of(settings.uploadsDir());
    this.temp = Path.of(settings.tempDir());
    this.client =
        WebClient.create(
            vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  /**
   * What a test server runs with: the service's defaults ({@link Settings#defaults()}), but on
   * 127.0.0.1 and a free port, with its folders under {@code dir}, the project's users file, a
   * known secret, an upload limit no test reaches, and a stop that gives running jobs 1 s. Tests
   * change one value with the {@code with...} copies, or more with {@link Settings#toBuilder()}.
   */
  public static Settings settings(Path dir) {
    return Settings.builder()
        .httpHost("127.0.0.1")
        .httpPort(0)
        .uploadsDir(dir.resolve("Uploads").toString())
        .tempDir(dir.resolve("tmp").toString())
        .usersFile("usersData.json")
        .jwtSecret(SECRET)
        .maxUploadBytes(1L << 40)
        .stopGraceSeconds(1)
        .build();
  }

  public static TestServer start(Vertx vertx, Path dir) {
    return start(vertx, settings(dir));
  }

  public static TestServer start(Vertx vertx, Settings settings) {
    FileJobs.Running running = FileJobs.deploy(vertx, settings).await();
    return new TestServer(vertx, running.settings(), running.port());
  }

  /** Signs in and returns the token. */
  public String signin(String user, String password) {
    HttpResponse<Buffer> response =
        client
            .post("/signin")
            .sendJsonObject(new JsonObject().put("username", user).put("password", password))
            .await();
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getString("auth_token");
  }

  public String utkal() {
    return signin("Utkal", "utkal123");
  }

  public String john() {
    return signin("John", "john123");
  }

  public String blake() {
    return signin("Blake", "blake123");
  }

  /** Uploads {@code file} as the form field {@code file}, named {@code name}. */
  public HttpResponse<Buffer> upload(String token, Path file, String name) {
    return client
        .post("/upload")
        .putHeader("auth_token", token)
        .sendMultipartForm(
            io.vertx.ext.web.multipart.MultipartForm.create()
                .binaryFileUpload("file", name, file.toString(), "application/octet-stream"))
        .await();
  }

  /** Posts a hand-made multipart body (see {@link SlowClients#partHead}) to /upload. */
  public HttpResponse<Buffer> uploadRaw(String token, Buffer body) {
    return client
        .post("/upload")
        .putHeader("auth_token", token)
        .putHeader("Content-Type", "multipart/form-data; boundary=" + SlowClients.BOUNDARY)
        .sendBuffer(body)
        .await();
  }

  /** Files in the temp folder (uploads in progress), apart from the nodes' lock files. */
  public List<Path> tempFiles() {
    return tempFiles(temp);
  }

  /** Files under {@code temp} (uploads in progress), apart from the nodes' lock files. */
  public static List<Path> tempFiles(Path temp) {
    if (!Files.isDirectory(temp)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(temp)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().endsWith(".lock"))
          .toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      return tempFiles(temp); // a file went away during the walk: look again
    }
  }

  /** Bytes in the temp folder: how far the uploads in progress have come. */
  public long tempBytes() {
    long total = 0;
    for (Path p : tempFiles()) {
      try {
        total += Files.size(p);
      } catch (IOException e) {
        // finished or removed meanwhile
      }
    }
    return total;
  }

  /** A file of random bytes in {@code dir}. */
  public static Path randomFile(Path dir, String name, int size) throws IOException {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    return file;
  }

  /** Waits, without blocking an event loop, until {@code check} holds (5 s at most). */
  public static void await(String what, java.util.function.BooleanSupplier check)
      throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!check.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }

  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }
}
