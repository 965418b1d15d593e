package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.filejobs.auth.Passwords;
import io.filejobs.auth.Tokens;
import io.filejobs.auth.Users;
import io.filejobs.jobs.JobBus;
import io.filejobs.transport.BufferBudget;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A few hundred users at once against one real server on loopback, each doing a whole upload, an
 * export and a transfer they terminate, in an order of their own. Afterwards the server must hold
 * exactly what was finished, nothing that was terminated, and no temp file, job or file descriptor
 * more than before.
 *
 * <p>The run is decided by one seed (logged; {@code -Dfilejobs.load.seed=N} replays its users,
 * sizes and orders, though not the interleaving, which is up to the threads). Everything is
 * bounded: {@value #USERS} users, {@value #AT_ONCE} at a time, each wait {@value #STEP_SECONDS} s
 * at most, the whole load {@value #LOAD_SECONDS} s at most.
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class LoadTest {

  static final int USERS = 300;

  /** Users running at the same moment: each holds up to two connections. */
  static final int AT_ONCE = 64;

  static final int MIN_SIZE = 16 * 1024;
  static final int MAX_SIZE = 1024 * 1024;

  /**
   * The file of a terminated export: large enough that a client that does not read cannot take it
   * all into socket buffers, so it is surely mid-stream when terminated. One file on disk,
   * hard-linked into the folder of every user who needs it.
   */
  static final int BIG = 64 * 1024 * 1024;

  /**
   * What a terminated upload sends, 8 KiB every 10 ms: 16 s' worth, so it is surely still running
   * when terminated. One array shared by every such upload (its bytes are never stored).
   */
  static final byte[] SLOW_CONTENT = content(16, 16 * 1024 * 1024);

  static final long STEP_SECONDS = 20;
  static final long LOAD_SECONDS = 60;

  /** See {@link #fileDescriptorsBack}. */
  static final int FD_TOLERANCE = 5;

  static final String HOST = "127.0.0.1";
  static final String SEED_FILE = "seed.bin";
  static final String UPLOADED = "done.bin";
  static final String SLOW = "slow.bin";
  static final String HELD = "big.bin";

  @TempDir Path dir;

  enum Action {
    UPLOAD,
    EXPORT,
    TERMINATE
  }

  /**
   * One user's part, decided up front: the order of the three actions, the sizes of the file the
   * user has before the load ({@value #SEED_FILE}) and of the one uploaded ({@value #UPLOADED}),
   * and whether the terminated transfer is an upload or an export.
   */
  record Plan(
      String user,
      List<Action> order,
      long seed,
      int seedSize,
      int uploadSize,
      boolean terminatesUpload) {

    byte[] seedContent() {
      return content(seed, seedSize);
    }

    byte[] uploadContent() {
      return content(~seed, uploadSize);
    }

    /** What the user's folder holds once the load is over. */
    Set<String> expectedFiles() {
      Set<String> files = new TreeSet<>(List.of(SEED_FILE, UPLOADED));
      if (!terminatesUpload) {
        files.add(HELD);
      }
      return files;
    }
  }

  static byte[] content(long seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** Counters of what the load did, for the summary line. */
  static final class Tally {
    final AtomicLong uploadedBytes = new AtomicLong();
    final AtomicLong exportedBytes = new AtomicLong();
    final AtomicInteger uploadsTerminated = new AtomicInteger();
    final AtomicInteger exportsTerminated = new AtomicInteger();
    final AtomicInteger usersDone = new AtomicInteger();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  }

  TestServer server;
  Tokens tokens;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  @DisplayName(
      "300 users uploading, exporting and terminating at once: finished files are stored"
          + " byte for byte, terminated ones are absent, and no temp file, job or file descriptor"
          + " is left behind")
  void manyUsersAtOnce(Vertx vertx) throws Exception {
    long seed = Long.getLong("filejobs.load.seed", new Random().nextLong());
    System.out.println(
        "LoadTest seed " + seed + " (replay with -Dfilejobs.load.seed=" + seed + ")");
    List<Plan> plans = plans(seed);
    // One more user walks every path once before the load: an upload, an export, a terminated
    // upload, a terminated export.
    List<Plan> warmUp =
        List.of(
            new Plan(
                "warmup",
                List.of(Action.UPLOAD, Action.EXPORT, Action.TERMINATE),
                seed,
                MIN_SIZE,
                MIN_SIZE,
                true),
            new Plan("warmup", List.of(Action.TERMINATE), seed, MIN_SIZE, MIN_SIZE, false));
    Path usersFile = writeUsers(Stream.concat(plans.stream(), warmUp.stream()));
    writeStartingFiles(Stream.concat(plans.stream(), warmUp.stream()));

    server = TestServer.start(vertx, TestServer.settings(dir).withUsersFile(usersFile.toString()));
    tokens =
        new Tokens(vertx, TestServer.SECRET, 3600, Users.load(vertx, usersFile.toString()).await());

    // Warm up every path the load takes (classes, pools, lazily opened files), with a client of
    // its own, then count the open file descriptors: the level the load must return to.
    Tally warmUpTally = new Tally();
    try (Clients clients = new Clients(vertx, server.port)) {
      for (Plan plan : warmUp) {
        runUser(plan, clients, warmUpTally);
      }
    }
    assertEquals(List.of(), List.copyOf(warmUpTally.failures), "the warm-up failed");
    Map<String, String> fdsBefore = settledFileDescriptors();
    long directBefore = BufferBudget.inUse();

    Tally tally = new Tally();
    long began = System.nanoTime();
    try (Clients clients = new Clients(vertx, server.port)) {
      runAll(plans, clients, tally, seed);
      long loadMs = (System.nanoTime() - began) / 1_000_000;
      System.out.printf(
          "LoadTest: %d users (%d at a time) in %d ms: %d MiB uploaded whole, %d MiB exported"
              + " whole, %d uploads and %d exports terminated; the export status right after"
              + " a whole export was not yet 404 (status: times): %s%n",
          USERS,
          AT_ONCE,
          loadMs,
          tally.uploadedBytes.get() >> 20,
          tally.exportedBytes.get() >> 20,
          tally.uploadsTerminated.get(),
          tally.exportsTerminated.get(),
          clients.exportSlotsLate);

      assertTrue(
          tally.failures.isEmpty(),
          tally.failures.size()
              + " of "
              + USERS
              + " users saw a failure (seed "
              + seed
              + "), the first ones: "
              + tally.failures.stream().limit(10).toList());
      assertNoJobsLeft(vertx, clients, plans, directBefore);
    }

    assertEquals(List.of(), server.tempFiles(), "temp files left behind (seed " + seed + ")");
    for (Plan plan : plans) {
      Path folder = server.uploads.resolve(plan.user());
      assertEquals(
          plan.expectedFiles(),
          listing(folder),
          plan.user() + "'s folder: a terminated upload must not be stored (seed " + seed + ")");
      assertArrayEquals(
          sha256(plan.uploadContent()),
          sha256(Files.readAllBytes(folder.resolve(UPLOADED))),
          plan.user() + "'s upload is not stored byte for byte (seed " + seed + ")");
    }
    fileDescriptorsBack(fdsBefore);
  }

  /** The users, their sizes and the order of their actions, all from {@code seed}. */
  static List<Plan> plans(long seed) {
    Random random = new Random(seed);
    List<Plan> plans = new ArrayList<>();
    for (int i = 1; i <= USERS; i++) {
      List<Action> order = new ArrayList<>(List.of(Action.values()));
      Collections.shuffle(order, random);
      plans.add(
          new Plan(
              String.format("user%03d", i),
              List.copyOf(order),
              random.nextLong(),
              size(random),
              size(random),
              random.nextBoolean()));
    }
    return plans;
  }

  private static int size(Random random) {
    return MIN_SIZE + random.nextInt(MAX_SIZE - MIN_SIZE + 1);
  }

  /** A users file with the users of {@code plans}. */
  private Path writeUsers(Stream<Plan> plans) throws IOException {
    JsonArray users = new JsonArray();
    Random random = new Random(1);
    // One hash for everyone: the load signs nobody in (its tokens are minted), and a plain
    // password would cost a warning per user at start-up.
    String hash = Passwords.hash("load-test-password");
    for (String user : plans.map(Plan::user).distinct().toList()) {
      byte[] key = new byte[16];
      random.nextBytes(key);
      users.add(
          new JsonObject()
              .put("username", user)
              .put("passwordHash", hash)
              .put("api_key", HexFormat.of().formatHex(key)));
    }
    Path file = dir.resolve("users-load.json");
    Files.writeString(file, users.encodePrettily());
    return file;
  }

  /**
   * The files each user has before the load, put in place as a previous run of the service would
   * have left them: {@value #SEED_FILE}, and {@value #HELD} for those who terminate an export.
   */
  private void writeStartingFiles(Stream<Plan> plans) throws IOException {
    Path big = TestServer.randomFile(dir, "big-original.bin", BIG);
    for (Plan plan : plans.toList()) {
      Path folder = Files.createDirectories(dir.resolve("Uploads").resolve(plan.user()));
      Files.write(folder.resolve(SEED_FILE), plan.seedContent());
      if (!plan.terminatesUpload()) {
        Files.createLink(folder.resolve(HELD), big);
      }
    }
  }

  /** Runs every user, {@value #AT_ONCE} at a time; returns once all are done. */
  private void runAll(List<Plan> plans, Clients clients, Tally tally, long seed)
      throws InterruptedException {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            AT_ONCE,
            r -> {
              Thread t = new Thread(r, "load-user");
              t.setDaemon(true);
              return t;
            });
    for (Plan plan : plans) {
      pool.submit(() -> runUser(plan, clients, tally));
    }
    pool.shutdown();
    if (!pool.awaitTermination(LOAD_SECONDS, TimeUnit.SECONDS)) {
      pool.shutdownNow();
      fail(
          "the load did not end within "
              + LOAD_SECONDS
              + " s: "
              + tally.usersDone.get()
              + " of "
              + USERS
              + " users done (seed "
              + seed
              + "); failures so far: "
              + tally.failures.stream().limit(10).toList());
    }
  }

  /** One user's actions in the planned order; a failure is recorded with the user and step. */
  private void runUser(Plan plan, Clients clients, Tally tally) {
    String token = tokens.issue(plan.user());
    String newest = SEED_FILE; // what the user's export sends: the newest file they stored
    byte[] newestContent = plan.seedContent();
    Action action = null;
    try {
      for (Action next : plan.order()) {
        action = next;
        switch (action) {
          case UPLOAD -> {
            byte[] bytes = plan.uploadContent();
            clients.uploadWhole(token, UPLOADED, bytes);
            tally.uploadedBytes.addAndGet(bytes.length);
            newest = UPLOADED;
            newestContent = bytes;
          }
          case EXPORT -> {
            clients.exportWhole(token, newest, newestContent);
            tally.exportedBytes.addAndGet(newestContent.length);
          }
          case TERMINATE -> {
            if (plan.terminatesUpload()) {
              clients.terminateSlowUpload(token, plan.user());
              assertFalse(
                  Files.exists(server.uploads.resolve(plan.user()).resolve(SLOW)),
                  "a terminated upload was stored");
              tally.uploadsTerminated.incrementAndGet();
            } else {
              clients.terminateHeldExport(token);
              tally.exportsTerminated.incrementAndGet();
            }
          }
        }
      }
    } catch (Throwable e) {
      tally.failures.add(plan.user() + " " + plan.order() + " at " + action + ": " + e);
    } finally {
      tally.usersDone.incrementAndGet();
    }
  }

  /**
   * Nothing is registered any more: every user's status answers 404 for both kinds, and the
   * server's local maps of jobs and handoffs and its claim maps are empty, and the transfers hold
   * no more direct memory than before the load.
   */
  private void assertNoJobsLeft(Vertx vertx, Clients clients, List<Plan> plans, long directBefore)
      throws Exception {
    List<Future<String>> answers = new ArrayList<>();
    for (Plan plan : plans) {
      String token = tokens.issue(plan.user());
      for (String kind : List.of("upload", "export")) {
        answers.add(
            clients
                .web
                .get(server.port, HOST, "/" + kind + "/status")
                .putHeader("auth_token", token)
                .send()
                .map(
                    r ->
                        r.statusCode() == 404
                            ? null
                            : plan.user()
                                + " "
                                + kind
                                + " status "
                                + r.statusCode()
                                + " "
                                + r.bodyAsString()));
      }
    }
    Future.all(answers).await(STEP_SECONDS, TimeUnit.SECONDS);
    List<String> registered = answers.stream().map(Future::result).filter(a -> a != null).toList();
    assertEquals(List.of(), registered, "jobs still registered after the load");

    for (String kind : List.of("upload", "export")) {
      assertTrue(
          vertx.sharedData().getLocalMap(JobBus.handlesMap(kind)).isEmpty(),
          "the local map of " + kind + " jobs is not empty");
      int claims =
          vertx
              .sharedData()
              .<String, String>getAsyncMap(JobBus.claimsMap(kind))
              .compose(AsyncMap::size)
              .await(STEP_SECONDS, TimeUnit.SECONDS);
      assertEquals(0, claims, "claims of " + kind + " slots left");
    }
    assertTrue(vertx.sharedData().getLocalMap(JobBus.HANDOFFS_MAP).isEmpty(), "handoffs left");
    // Every buffer a transfer took from the direct budget was given back (once the sockets of
    // the last cut-off exports have failed what they still held).
    TestServer.await(
        "the transfers' direct memory is given back", () -> BufferBudget.inUse() <= directBefore);
  }

  /**
   * The open file descriptors are back where they were before the load, with a small tolerance. The
   * count covers the whole test JVM, not only the server, and the JVM opens a few descriptors for
   * good the first time something needs them, even after the warm-up: seen are the UDP sockets of
   * the DNS resolver of an event loop that a client uses for the first time (two, usually), and
   * possible are a jar the class loader had not reached yet or a random-number source. A leak per
   * connection, job or file would show as hundreds (the load opens hundreds of connections and
   * about 900 files), so a tolerance of {@value #FD_TOLERANCE} still catches one.
   */
  private void fileDescriptorsBack(Map<String, String> before) throws Exception {
    if (before == null) {
      return; // no /proc/self/fd here
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    Map<String, String> after = openFileDescriptors();
    while (after.size() > before.size() + FD_TOLERANCE && System.nanoTime() < deadline) {
      Thread.sleep(100); // the server closes its side of a connection a moment after the client
      after = openFileDescriptors();
    }
    Map<String, String> extra = new TreeMap<>(after);
    extra.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
    Map<String, String> sockets = tcpSockets();
    extra.replaceAll((fd, target) -> target + sockets.getOrDefault(target, ""));
    System.out.printf(
        "LoadTest: open file descriptors %d before the load, %d after; new: %s%n",
        before.size(), after.size(), extra);
    assertTrue(
        after.size() <= before.size() + FD_TOLERANCE,
        "open file descriptors: "
            + before.size()
            + " before the load, "
            + after.size()
            + " after; new ones: "
            + extra);
  }

  /** The open file descriptors once their number has stopped changing (3 s at most). */
  private static Map<String, String> settledFileDescriptors() throws Exception {
    Map<String, String> fds = openFileDescriptors();
    if (fds == null) {
      return null;
    }
    long deadline = System.nanoTime() + 3_000_000_000L;
    while (System.nanoTime() < deadline) {
      Thread.sleep(200);
      Map<String, String> again = openFileDescriptors();
      if (again.size() == fds.size()) {
        return again;
      }
      fds = again;
    }
    return fds;
  }

  /** fd number to what it points to; null where there is no {@code /proc/self/fd}. */
  private static Map<String, String> openFileDescriptors() throws IOException {
    Path fd = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fd)) {
      return null;
    }
    Map<String, String> open = new TreeMap<>();
    try (Stream<Path> entries = Files.list(fd)) {
      for (Path entry : entries.toList()) {
        try {
          String target = Files.readSymbolicLink(entry).toString();
          if (!target.matches("/proc/\\d+/fd")) { // not the listing's own descriptor
            open.put(entry.getFileName().toString(), target);
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    return open;
  }

  /**
   * For a diagnosis: {@code socket:[inode]} to the line of {@code /proc/net/<table>} that names the
   * socket (for TCP: local and remote address in the kernel's hex notation, and state).
   */
  private static Map<String, String> tcpSockets() {
    Map<String, String> sockets = new TreeMap<>();
    for (String table : List.of("tcp", "tcp6", "udp", "udp6", "unix", "netlink")) {
      try {
        List<String> lines = Files.readAllLines(Path.of("/proc/net", table));
        int column = table.equals("unix") ? 6 : 9; // where the inode is, in data lines
        for (String line : lines.subList(1, lines.size())) {
          String[] f = line.trim().split("\\s+");
          if (f.length > column) {
            sockets.put("socket:[" + f[column] + "]", " " + table + " " + line.trim());
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux, or no such table
      }
    }
    return sockets;
  }

  private static Set<String> listing(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return new TreeSet<>(files.map(p -> p.getFileName().toString()).toList());
    }
  }

  static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }

  /** The clients of the load: one pooled HTTP client, and a WebClient over it. */
  final class Clients implements AutoCloseable {
    final HttpClient http;
    final WebClient web;
    final Vertx vertx;
    final int port;

    /** How often the status right after a whole export was not yet 404, by its answer. */
    final Map<Integer, Integer> exportSlotsLate =
        new java.util.concurrent.ConcurrentSkipListMap<>();

    Clients(Vertx vertx, int port) {
      this.vertx = vertx;
      this.port = port;
      // Room for every user's two connections (a held transfer and its terminate).
      this.http =
          vertx.createHttpClient(
              new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(4 * AT_ONCE));
      this.web = WebClient.wrap(http);
    }

    /** Uploads {@code bytes} whole as {@code name}: 200 with the right size. */
    void uploadWhole(String token, String name, byte[] bytes) throws Exception {
      Buffer body =
          SlowClients.partHead("file", name).appendBytes(bytes).appendBuffer(SlowClients.closing());
      HttpResponse<Buffer> answer =
          web.post(port, HOST, "/upload")
              .putHeader("auth_token", token)
              .putHeader("Content-Type", "multipart/form-data; boundary=" + SlowClients.BOUNDARY)
              .sendBuffer(body)
              .await(STEP_SECONDS, TimeUnit.SECONDS);
      assertEquals(200, answer.statusCode(), "upload: " + answer.bodyAsString());
      assertEquals(bytes.length, answer.bodyAsJsonObject().getLong("size"), "upload's size");
    }

    /** Exports {@code name} whole: 200, and the bytes' SHA-256 is that of {@code expected}. */
    void exportWhole(String token, String name, byte[] expected) throws Exception {
      HttpResponse<Buffer> answer =
          web.post(port, HOST, "/export")
              .putHeader("auth_token", token)
              .sendJsonObject(new JsonObject().put("filename", name))
              .await(STEP_SECONDS, TimeUnit.SECONDS);
      assertEquals(200, answer.statusCode(), "export of " + name + ": " + answer.bodyAsString());
      assertEquals(expected.length, answer.body().length(), "bytes exported of " + name);
      assertArrayEquals(
          sha256(expected),
          sha256(answer.body().getBytes()),
          "the export of " + name + " is not the stored file");
      waitUntilExportSlotFree(token);
    }

    /**
     * Waits (2 s at most) until the user's export status answers 404, counting the times it did not
     * at once. The server frees an export's slot once every byte is with the socket, before the
     * response ends; a client that asks again in the same instant may still find the job finishing
     * (status 200, a new export 409), so the user here does what a careful client would: asks until
     * the export is over. A 503 (no answer from the job) is never right.
     */
    private void waitUntilExportSlotFree(String token) throws Exception {
      long deadline = System.nanoTime() + 2_000_000_000L;
      for (int asked = 0; ; asked++) {
        int status =
            web.get(port, HOST, "/export/status")
                .putHeader("auth_token", token)
                .send()
                .await(STEP_SECONDS, TimeUnit.SECONDS)
                .statusCode();
        if (status == 404) {
          return;
        }
        assertTrue(status != 503, "a finished export's status must never go unanswered");
        if (asked == 0) {
          exportSlotsLate.merge(status, 1, Integer::sum);
        }
        assertTrue(
            System.nanoTime() < deadline,
            "the export slot is still taken 2 s after the whole file arrived: " + status);
        Thread.sleep(5);
      }
    }

    /**
     * Starts an upload that trickles 8 KiB every 10 ms over a blocking socket (as curl would),
     * waits until the server has written some of it, and terminates it: 200, and the client's
     * request ends with 409 or a cut connection.
     */
    void terminateSlowUpload(String token, String user) throws Exception {
      try (SocketUpload upload =
          SocketUpload.start(port, user, token, SLOW, SLOW_CONTENT, 8 * 1024, 10)) {
        waitUntilRunning(token, "upload");
        HttpResponse<Buffer> answer =
            web.delete(port, HOST, "/upload/terminate")
                .putHeader("auth_token", token)
                .send()
                .await(STEP_SECONDS, TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode(), "terminate upload: " + answer.bodyAsString());
        assertEquals(SLOW, answer.bodyAsJsonObject().getString("filename"));
        assertTrue(upload.await(STEP_SECONDS), "the terminated upload's connection stays open");
        assertFalse(upload.finishedSending, "the slow upload was sent whole before its terminate");
        // 409 if the client could read the answer, -1 (closed) or 0 (reset) if not
        assertTrue(
            Set.of(409, -1, 0).contains(upload.status),
            "the terminated upload answered " + upload.status);
      }
    }

    /**
     * Exports {@value #HELD} to a client that does not read, terminates it mid-stream (200 with
     * fewer bytes than the file), and checks that the client's body breaks off short.
     */
    void terminateHeldExport(String token) throws Exception {
      SlowClients.Export export = SlowClients.Export.start(http, port, token, HELD);
      HttpClientResponse response = export.response.await(STEP_SECONDS, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode(), "held export");
      HttpResponse<Buffer> answer =
          web.post(port, HOST, "/export/terminate")
              .putHeader("auth_token", token)
              .send()
              .await(STEP_SECONDS, TimeUnit.SECONDS);
      assertEquals(200, answer.statusCode(), "terminate export: " + answer.bodyAsString());
      long sent = answer.bodyAsJsonObject().getLong("bytes");
      assertTrue(sent > 0 && sent < BIG, "the terminated export had sent " + sent + " bytes");
      AtomicLong received = new AtomicLong();
      boolean whole = readRest(response, received).await(STEP_SECONDS, TimeUnit.SECONDS);
      assertFalse(whole, "the terminated export's body must break off");
      assertTrue(received.get() <= sent, "received " + received.get() + " > sent " + sent);
    }

    /** Polls the job's status until it runs and has moved bytes (10 s at most). */
    private void waitUntilRunning(String token, String kind) throws Exception {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (true) {
        HttpResponse<Buffer> status =
            web.get(port, HOST, "/" + kind + "/status")
                .putHeader("auth_token", token)
                .send()
                .await(STEP_SECONDS, TimeUnit.SECONDS);
        if (status.statusCode() == 200 && status.bodyAsJsonObject().getLong("bytes") > 0) {
          return;
        }
        if (System.nanoTime() > deadline) {
          fail(
              "the "
                  + kind
                  + " did not start moving bytes: "
                  + status.statusCode()
                  + " "
                  + status.bodyAsString());
        }
        Thread.sleep(20);
      }
    }

    @Override
    public void close() {
      web.close();
      http.close().await();
    }
  }

  /**
   * Reads the rest of a held-back body, counting its bytes (no hashing: it may be megabytes); true
   * if it ended normally, false if the connection broke off first.
   */
  static Future<Boolean> readRest(HttpClientResponse response, AtomicLong received) {
    Promise<Boolean> ended = Promise.promise();
    try {
      response.handler(b -> received.addAndGet(b.length()));
      response.exceptionHandler(e -> ended.tryComplete(false));
      response.endHandler(v -> ended.tryComplete(true));
    } catch (IllegalStateException over) {
      // the response is already over (the server closed the connection meanwhile)
      return response.end().transform(ar -> Future.succeededFuture(ar.succeeded()));
    }
    response.resume();
    return ended.future();
  }
}
