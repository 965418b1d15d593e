package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.config.Settings;
import io.filejobs.jobs.JobBus;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes in this JVM (Hazelcast on loopback, TCP-IP join) sharing one Uploads/ folder
 * and one secret, each with its own HTTP port: any call works on either node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(NoBlockedThreads.class)
class ClusterTest {

  static final int CHUNK = 16 * 1024;

  Path dir;
  Node a;
  Node b;
  Vertx client;
  HttpClient http;

  /** One node: its Vert.x, its HTTP port and a client for it. */
  record Node(Vertx vertx, int port, WebClient web, Path temp) {
    String signin(String user, String password) {
      return web.post("/signin")
          .sendJsonObject(new JsonObject().put("username", user).put("password", password))
          .await()
          .bodyAsJsonObject()
          .getString("auth_token");
    }

    /** {@code POST /upload} of {@code file} under {@code name}, as a multipart form. */
    HttpResponse<Buffer> upload(String token, Path file, String name) {
      return web.post("/upload")
          .putHeader("auth_token", token)
          .sendMultipartForm(
              io.vertx.ext.web.multipart.MultipartForm.create()
                  .binaryFileUpload("file", name, file.toString(), "application/octet-stream"))
          .await();
    }

    HttpResponse<Buffer> call(String method, String path, String token) {
      return web.request(io.vertx.core.http.HttpMethod.valueOf(method), path)
          .putHeader("auth_token", token)
          .send()
          .await();
    }

    long tempBytes() throws IOException {
      long total = 0;
      for (Path p : TestServer.tempFiles(temp)) {
        total += Files.size(p);
      }
      return total;
    }
  }

  /**
   * A loopback port free now, below the kernel's range of ephemeral ports. A port from inside that
   * range (what binding port 0 gives) can be taken meanwhile as the source port of an outgoing
   * connection, and Hazelcast keeps connecting to the member that is not listening yet: ClusterTest
   * failed once with "Port ... is already in use".
   */
  static int freePort() throws IOException {
    int low = ephemeralPortsFrom();
    Random random = new Random();
    for (int attempt = 0; low > 11_000 && attempt < 1000; attempt++) {
      int port = 10_000 + random.nextInt(low - 10_000);
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    try (ServerSocket socket = new ServerSocket(0)) { // no room below the range: take the risk
      return socket.getLocalPort();
    }
  }

  /** The first port of the kernel's ephemeral range (Linux's default where it cannot be read). */
  private static int ephemeralPortsFrom() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  private Node node(Settings settings) {
    Vertx vertx = FileJobs.vertx(settings).await();
    FileJobs.Running running = FileJobs.deploy(vertx, settings).await();
    WebClient web =
        WebClient.create(
            client,
            new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(running.port()));
    return new Node(vertx, running.port(), web, Path.of(settings.tempDir()));
  }

  @BeforeAll
  void startCluster(@TempDir Path dir) throws Exception {
    this.dir = dir;
    client = Vertx.vertx();
    http = client.createHttpClient();
    int portA = freePort();
    int portB = freePort();
    while (portB == portA) { // a port picked twice
      portB = freePort();
    }
    String members = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
    Settings base = TestServer.settings(dir);
    a =
        node(
            base.withTempDir(dir.resolve("tmp-a").toString())
                .withCluster("127.0.0.1", portA, members));
    b =
        node(
            base.withTempDir(dir.resolve("tmp-b").toString())
                .withCluster("127.0.0.1", portB, members));
  }

  @AfterAll
  void stopCluster() {
    for (Node node : new Node[] {b, a}) {
      if (node != null) {
        node.vertx().close().await();
      }
    }
    if (client != null) {
      client.close().await();
    }
  }

  private SlowClients.Upload slowUploadThrough(Node node, String token, String name, int chunks)
      throws Exception {
    SlowClients.Upload upload =
        SlowClients.Upload.start(client, http, node.port(), token, name, CHUNK, 10, chunks);
    TestServer.await(
        "the upload runs on its node",
        () -> {
          try {
            return node.tempBytes() > 0;
          } catch (IOException e) {
            return false;
          }
        });
    return upload;
  }

  @Test
  @DisplayName(
      "a token from one node works on the other, and a file uploaded through one"
          + " exports through the other")
  void crossNodeExport() throws Exception {
    String token = a.signin("Blake", "blake123");
    Path file = TestServer.randomFile(dir, "shared.bin", 3_000_000);
    HttpResponse<Buffer> stored = a.upload(token, file, "shared.bin");
    assertEquals(200, stored.statusCode(), stored.bodyAsString());

    HttpResponse<Buffer> exported =
        b.web()
            .post("/export")
            .putHeader("auth_token", token)
            .sendJsonObject(new JsonObject().put("filename", "shared.bin"))
            .await();

    assertEquals(200, exported.statusCode());
    assertArrayEquals(Files.readAllBytes(file), exported.body().getBytes());
    assertEquals(
        "shared.bin",
        b.call("GET", "/files", token)
            .bodyAsJsonObject()
            .getJsonArray("files")
            .getJsonObject(0)
            .getString("name"));
  }

  @Test
  @DisplayName(
      "a service on node B asking for a job of node A on the bus gets its failures by"
          + " name: a second pause is conflict, status 409")
  void failuresCrossTheBusByName() throws Exception {
    String token = a.signin("John", "john123");
    SlowClients.Upload upload = slowUploadThrough(a, token, "named.bin", 2000);
    JsonObject john = new JsonObject().put(JobBus.USER, "John");
    b.vertx().eventBus().request(JobBus.UPLOAD_PAUSE, john).await();

    Throwable second =
        b.vertx()
            .eventBus()
            .request(JobBus.UPLOAD_PAUSE, john)
            .map(m -> (Throwable) null)
            .otherwise(e -> e)
            .await();

    assertTrue(second instanceof io.vertx.core.eventbus.ReplyException, String.valueOf(second));
    assertEquals(409, ((io.vertx.core.eventbus.ReplyException) second).failureCode());
    assertTrue(
        second instanceof io.filejobs.jobs.FailureReply, "the failure lost its name: " + second);
    assertEquals("conflict", ((io.filejobs.jobs.FailureReply) second).failure().code());
    assertEquals(200, b.call("DELETE", "/upload/terminate", token).statusCode());
    upload.stop();

    Throwable none =
        b.vertx()
            .eventBus()
            .request(JobBus.UPLOAD_PAUSE, john)
            .map(m -> (Throwable) null)
            .otherwise(e -> e)
            .await();
    assertTrue(none instanceof io.filejobs.jobs.FailureReply, "nothing running: " + none);
    assertEquals("not_found", ((io.filejobs.jobs.FailureReply) none).failure().code());
    assertEquals(404, ((io.filejobs.jobs.FailureReply) none).failureCode());
  }

  @Test
  @DisplayName(
      "an upload running on node A is paused, asked for, resumed and terminated"
          + " through node B")
  void crossNodeUploadControl() throws Exception {
    String token = b.signin("Utkal", "utkal123");
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    b.vertx()
        .eventBus()
        .<JsonObject>consumer(JobBus.userEvents("Utkal"), m -> events.add(m.body()))
        .completion()
        .await();
    SlowClients.Upload upload = slowUploadThrough(a, token, "far.bin", 2000);

    JsonObject paused = b.call("POST", "/upload/pause", token).bodyAsJsonObject();
    assertEquals("paused", paused.getString("state"), paused.encode());
    JsonObject status = b.call("GET", "/upload/status", token).bodyAsJsonObject();
    assertEquals("far.bin", status.getString("filename"));
    assertEquals(
        "running", b.call("POST", "/upload/resume", token).bodyAsJsonObject().getString("state"));

    HttpResponse<Buffer> stopped = b.call("DELETE", "/upload/terminate", token);

    assertEquals(200, stopped.statusCode(), stopped.bodyAsString());
    assertTrue(stopped.bodyAsJsonObject().getLong("bytes") > 0);
    assertEquals(0, a.tempBytes(), "node A's temp file must be gone");
    assertFalse(Files.exists(dir.resolve("Uploads/Utkal/far.bin")));
    assertEquals(404, b.call("GET", "/upload/status", token).statusCode());
    assertEquals(404, a.call("GET", "/upload/status", token).statusCode());
    assertEquals(
        JobBus.nothingRunning(JobBus.KIND_UPLOAD),
        b.call("POST", "/upload/pause", token).bodyAsJsonObject().getString("message"));
    upload.stop();
    TestServer.await(
        "node B heard node A's events",
        () ->
            events.stream()
                .map(e -> e.getString("event"))
                .toList()
                .containsAll(List.of("started", "paused", "resumed", "terminated")));
  }

  @Test
  @DisplayName("an export running on node A is terminated through node B; its client sees it cut")
  void crossNodeExportTerminate() throws Exception {
    String token = a.signin("John", "john123");
    Path file = TestServer.randomFile(dir, "movie.bin", 64 * 1024 * 1024);
    HttpResponse<Buffer> stored = b.upload(token, file, "movie.bin");
    assertEquals(200, stored.statusCode());
    SlowClients.Export export = SlowClients.Export.start(http, a.port(), token, "movie.bin");
    HttpClientResponse response = export.response.await();
    assertEquals(200, response.statusCode());

    HttpResponse<Buffer> stopped = b.call("POST", "/export/terminate", token);

    assertEquals(200, stopped.statusCode(), stopped.bodyAsString());
    assertFalse(export.readRest(response).await(), "the export must break off");
    assertEquals(404, a.call("GET", "/export/status", token).statusCode());
  }

  @Test
  @DisplayName(
      "an export whose client left: once either node says nothing runs, a new export"
          + " starts at once on the other")
  void endedExportFreesItsSlotBeforeAnyNodeSaysSo() throws Exception {
    String token = a.signin("Blake", "blake123");
    Path file = TestServer.randomFile(dir, "long.bin", 64 * 1024 * 1024);
    HttpResponse<Buffer> stored = a.upload(token, file, "long.bin");
    assertEquals(200, stored.statusCode(), stored.bodyAsString());
    // The job ends the moment its client goes, then closes its file and frees its slot (a write
    // to the cluster map). A node that says "nothing runs" meanwhile would send the client's
    // retry into a 409, and a request sent on to the job's node as it ends must not be lost
    // there (it would wait out the 5 s forward timeout). Each round asks the other node first,
    // then both in turn, as fast as they answer.
    Node[] nodes = {a, b};
    for (int round = 0; round < 10; round++) {
      SlowClients.Export export =
          SlowClients.Export.start(http, nodes[round % 2].port(), token, "long.bin");
      HttpClientResponse response = export.response.await();
      assertEquals(200, response.statusCode(), "round " + round);
      response.request().connection().close().await();
      long deadline = System.nanoTime() + 5_000_000_000L;
      for (int ask = 1; ; ask++) {
        long sent = System.nanoTime();
        int code = nodes[(round + ask) % 2].call("GET", "/export/status", token).statusCode();
        assertTrue(
            System.nanoTime() - sent < 4_000_000_000L,
            "round " + round + ": a status waited for the 5 s forward timeout");
        if (code == 404) {
          break;
        }
        assertEquals(200, code, "round " + round + ": the status of an export that was ending");
        assertTrue(System.nanoTime() < deadline, "the export still runs after 5 s");
      }
    }
    HttpResponse<Buffer> whole =
        b.web()
            .post("/export")
            .putHeader("auth_token", token)
            .sendJsonObject(new JsonObject().put("filename", "long.bin"))
            .await();
    assertEquals(200, whole.statusCode(), whole.bodyAsString());
    assertArrayEquals(Files.readAllBytes(file), whole.body().getBytes());
  }

  @Test
  @DisplayName("one upload per user across the cluster: a second one on the other node gets 409")
  void oneJobPerUserAcrossNodes() throws Exception {
    String token = a.signin("Utkal", "utkal123");
    SlowClients.Upload first = slowUploadThrough(a, token, "one.bin", 60);
    Path other = TestServer.randomFile(dir, "two.bin", 1000);

    HttpResponse<Buffer> second = b.upload(token, other, "two.bin");

    assertEquals(409, second.statusCode(), second.bodyAsString());
    assertEquals(200, first.response.await().statusCode());
    HttpResponse<Buffer> again = b.upload(token, other, "two.bin");
    assertEquals(200, again.statusCode(), "the slot is free once the first upload ended");
  }

  @Test
  @DisplayName(
      "a tus upload whose PATCH stalls on node A is taken over by a HEAD through node B, and"
          + " completes there byte for byte")
  void tusResumesThroughTheOtherNode() throws Exception {
    String token = a.signin("John", "john123");
    byte[] bytes = Files.readAllBytes(TestServer.randomFile(dir, "tus.bin", 1_500_000));
    HttpResponse<Buffer> created =
        a.web()
            .post("/tus")
            .putHeader("Tus-Resumable", "1.0.0")
            .putHeader("auth_token", token)
            .putHeader("Upload-Length", Integer.toString(bytes.length))
            .putHeader("Upload-Metadata", TusProtocolTest.metadata("tus.bin"))
            .send()
            .await();
    assertEquals(201, created.statusCode(), created.bodyAsString());
    String url = created.getHeader("Location");
    io.vertx.core.Promise<String> old = io.vertx.core.Promise.promise();
    TusJobsTest.stalledPatch(client, a.port(), token, url, bytes, 0, 600_000, old);
    TestServer.await(
        "the bytes reached node A",
        () ->
            b.call("GET", "/upload/status", token).bodyAsJsonObject().getLong("bytes", 0L)
                == 600_000);

    HttpResponse<Buffer> head =
        b.web()
            .head(url)
            .putHeader("Tus-Resumable", "1.0.0")
            .putHeader("auth_token", token)
            .send()
            .await();
    assertEquals(200, head.statusCode());
    assertEquals("600000", head.getHeader("Upload-Offset"));
    old.future().await(5, java.util.concurrent.TimeUnit.SECONDS); // node A closed it

    HttpResponse<Buffer> rest =
        b.web()
            .patch(url)
            .putHeader("Tus-Resumable", "1.0.0")
            .putHeader("auth_token", token)
            .putHeader("Upload-Offset", "600000")
            .putHeader("Content-Type", "application/offset+octet-stream")
            .sendBuffer(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, 600_000, bytes.length)))
            .await();
    assertEquals(204, rest.statusCode(), rest.bodyAsString());
    assertArrayEquals(bytes, Files.readAllBytes(dir.resolve("Uploads/John/tus.bin")));
  }

  @Test
  @DisplayName(
      "tus-js-client cut off from node A resumes its upload through node B, from where A left it")
  void tusClientResumesThroughTheOtherNode() throws Exception {
    String token = a.signin("Blake", "blake123");
    Path file = TestServer.randomFile(dir, "moved.bin", 8 * 1024 * 1024);
    String url;
    try (CuttingProxy proxy = CuttingProxy.start(a.port());
        TusJsClient first =
            TusJsClient.upload(
                new JsonObject()
                    .put("endpoint", "http://127.0.0.1:" + proxy.port() + "/tus")
                    .put("file", file.toString())
                    .put("token", token)
                    .put("filename", "moved.bin")
                    .put("retryDelays", new io.vertx.core.json.JsonArray()))) {
      proxy.cutAfter(3 * 1024 * 1024);
      String through =
          first.awaitEvent("uploadUrl", java.time.Duration.ofSeconds(30)).getString("url");
      first.awaitEvent("error", java.time.Duration.ofSeconds(30));
      url = through.replace(":" + proxy.port() + "/", ":" + b.port() + "/");
    }
    HttpResponse<Buffer> head =
        b.web()
            .head(url.substring(url.indexOf("/tus/")))
            .putHeader("Tus-Resumable", "1.0.0")
            .putHeader("auth_token", token)
            .send()
            .await();
    assertEquals(200, head.statusCode());
    long offset = Long.parseLong(head.getHeader("Upload-Offset"));
    assertTrue(offset > 0, "nothing reached node A's disk");
    try (TusJsClient second =
        TusJsClient.upload(
            new JsonObject()
                .put("uploadUrl", url)
                .put("file", file.toString())
                .put("token", token)
                .put("retryDelays", new io.vertx.core.json.JsonArray()))) {
      second.awaitEvent("success", java.time.Duration.ofSeconds(30));
    }
    assertEquals(
        TusClientTest.sha256(file), TusClientTest.sha256(dir.resolve("Uploads/Blake/moved.bin")));
  }
}
