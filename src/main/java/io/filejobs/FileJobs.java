package io.filejobs;

import io.filejobs.auth.SigninGuard;
import io.filejobs.auth.UsersFile;
import io.filejobs.cluster.ClusterConfig;
import io.filejobs.config.Settings;
import io.filejobs.export.ExportVerticle;
import io.filejobs.http.HttpVerticle;
import io.filejobs.jobs.Failure;
import io.filejobs.jobs.FailureReply;
import io.filejobs.jobs.JobBus;
import io.filejobs.storage.FileNameEncoding;
import io.filejobs.storage.Storage;
import io.filejobs.transport.BufferBudget;
import io.filejobs.upload.UploadVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys the service into a Vert.x instance, in order: folders, the job verticles (so that their
 * consumers are registered), then the HTTP verticle. Used by {@link Main} and by the tests.
 */
public final class FileJobs {

  private static final Logger log = LoggerFactory.getLogger(FileJobs.class);

  /** A deployed service, with the sign-in lockout its HTTP instances share. */
  public record Running(Settings settings, int port, SigninGuard signinGuard) {}

  /**
   * HTTP verticle instances: one per event loop (Vert.x's default count, twice the cores), so that
   * connections, and the transfers on them, spread over every core.
   */
  static final int HTTP_INSTANCES = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;

  private FileJobs() {}

  /**
   * The Vert.x instance a node runs on: a plain one, or, with {@code cluster}, one clustered with
   * Hazelcast (TCP-IP join, see {@link ClusterConfig}). A clustered node must be given the JWT
   * secret: every node must accept every other node's tokens. Fails at once when the JVM's
   * file-name encoding is not UTF-8 (see {@link #deploy}).
   */
  public static Future<Vertx> vertx(Settings settings) {
    if (!FileNameEncoding.isUtf8()) {
      return Future.failedFuture(new IllegalStateException(FileNameEncoding.problem()));
    }
    if (!settings.cluster()) {
      return Future.succeededFuture(Vertx.vertx(options()));
    }
    if (settings.jwtSecret().isEmpty()) {
      return Future.failedFuture(
          new IllegalArgumentException(
              "a clustered node needs auth.jwtSecret (FILEJOBS_JWT_SECRET),"
                  + " the same on every node"));
    }
    log.info(
        "joining the cluster on {}:{} with members [{}]",
        settings.clusterHost(),
        settings.clusterPort(),
        settings.clusterMembers());
    return Vertx.builder()
        .with(
            options()
                .setEventBusOptions(
                    new EventBusOptions()
                        .setHost(settings.clusterHost())
                        .setPort(settings.clusterBusPort())))
        .withClusterManager(new HazelcastClusterManager(ClusterConfig.hazelcast(settings)))
        .buildClustered();
  }

  /**
   * Every path the service opens is a configured folder, never a classpath resource, so Vert.x's
   * classpath resolution is off. (It also keeps a file cache whose JVM shutdown hook deletes it at
   * once on SIGTERM, which made every file-system call of the stop's grace time fail: an upload
   * completing then could not be published.)
   */
  private static VertxOptions options() {
    return new VertxOptions()
        .setPreferNativeTransport(true)
        .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false));
  }

  /**
   * Deploys the service into {@code vertx}. Fails at once, with one line naming the fix, when the
   * JVM's file-name encoding is not UTF-8 (see {@link FileNameEncoding}): every non-ASCII name
   * would fail later with a 500.
   */
  public static Future<Running> deploy(Vertx vertx, Settings configured) {
    if (!FileNameEncoding.isUtf8()) {
      return Future.failedFuture(new IllegalStateException(FileNameEncoding.problem()));
    }
    Settings settings = withSecret(configured);
    BufferBudget.configure(settings.transferMemoryBytes(), settings.transferBufferBytes());
    FailureReply.registerCodec(vertx);
    DeploymentOptions options = new DeploymentOptions().setConfig(settings.toJson());
    List<HttpVerticle> http = new CopyOnWriteArrayList<>();
    SigninGuard guard =
        new SigninGuard(settings.signinMaxFailures(), settings.signinLockoutSeconds());
    UsersFile users = new UsersFile().onRemoved(removed -> endJobs(vertx, removed));
    return new Storage(vertx, settings.uploadsDir(), settings.tempDir())
        .init()
        .compose(v -> vertx.deployVerticle(new UploadVerticle(), options))
        .compose(id -> vertx.deployVerticle(new ExportVerticle(), options))
        .compose(id -> vertx.deployVerticle(users, options))
        .compose(id -> httpPort(vertx, settings))
        .compose(
            port ->
                vertx.deployVerticle(
                    () -> {
                      HttpVerticle instance = new HttpVerticle(users, guard, port);
                      http.add(instance);
                      return instance;
                    },
                    new DeploymentOptions(options).setInstances(HTTP_INSTANCES)))
        .map(
            id -> {
              Running running = new Running(settings, http.get(0).actualPort(), guard);
              log.info(
                  "filejobs listening on {}:{} (uploads in {}, temp files in {}, users from {};"
                      + " transfer buffers: {} MiB, at most {} KiB each)",
                  settings.httpHost(),
                  running.port(),
                  new java.io.File(settings.uploadsDir()).getAbsolutePath(),
                  new java.io.File(settings.tempDir()).getAbsolutePath(),
                  settings.usersFile(),
                  BufferBudget.budget() >> 20,
                  BufferBudget.perTransfer() >> 10);
              return running;
            });
  }

  /**
   * Ends the running transfers of users the users file no longer holds, as if they had terminated
   * them (their requests get 401 already). The public control addresses find a job on any node;
   * 404, nothing running, is the usual answer.
   */
  private static void endJobs(Vertx vertx, Set<String> removed) {
    for (String user : removed) {
      for (String address : List.of(JobBus.UPLOAD_TERMINATE, JobBus.EXPORT_TERMINATE)) {
        vertx
            .eventBus()
            .request(address, new JsonObject().put(JobBus.USER, user), JobBus.localOnly())
            .onSuccess(stopped -> log.info("{} is no longer a user: {} done", user, address))
            .onFailure(
                e -> {
                  if (!(e instanceof ReplyException r
                      && r.failureCode() == Failure.NOT_FOUND.status())) {
                    log.warn(
                        "{} is no longer a user, but {} failed: {}", user, address, e.getMessage());
                  }
                });
      }
    }
  }

  /**
   * The port every HTTP instance binds: the configured one, or for 0 a free one picked here (the
   * instances can only share a port they all name; Vert.x 5.1's HTTP server has no "shared free
   * port" form).
   */
  private static Future<Integer> httpPort(Vertx vertx, Settings settings) {
    if (settings.httpPort() != 0) {
      return Future.succeededFuture(settings.httpPort());
    }
    return vertx.executeBlocking(
        () -> {
          try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(settings.httpHost(), 0));
            return probe.getLocalPort();
          }
        },
        false);
  }

  private static Settings withSecret(Settings settings) {
    if (!settings.jwtSecret().isEmpty()) {
      return settings;
    }
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    log.warn(
        "no JWT secret configured (FILEJOBS_JWT_SECRET): using a random one for this process;"
            + " its tokens stop working when it stops");
    return settings.withJwtSecret(Base64.getEncoder().encodeToString(key));
  }
}
