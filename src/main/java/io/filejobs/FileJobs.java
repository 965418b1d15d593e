package io.filejobs;

import io.filejobs.cluster.ClusterConfig;
import io.filejobs.config.Settings;
import io.filejobs.export.ExportVerticle;
import io.filejobs.http.HttpVerticle;
import io.filejobs.storage.Storage;
import io.filejobs.upload.UploadVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys the service into a Vert.x instance, in order: folders, the job verticles (so that their
 * consumers are registered), then the HTTP verticle. Used by {@link Main} and by the tests.
 */
public final class FileJobs {

  private static final Logger log = LoggerFactory.getLogger(FileJobs.class);

  /** A deployed service. */
  public record Running(Settings settings, int port) {}

  private FileJobs() {}

  /**
   * The Vert.x instance a node runs on: a plain one, or, with {@code cluster}, one clustered with
   * Hazelcast (TCP-IP join, see {@link ClusterConfig}). A clustered node must be given the JWT
   * secret: every node must accept every other node's tokens.
   */
  public static Future<Vertx> vertx(Settings settings) {
    if (!settings.cluster()) {
      return Future.succeededFuture(Vertx.vertx(options()));
    }
    if (settings.jwtSecret().isEmpty()) {
      return Future.failedFuture(
          new IllegalArgumentException(
              "a clustered node needs auth.jwtSecret (FILEJOBS_JWT_SECRET), the same on every node"));
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
        .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false));
  }

  public static Future<Running> deploy(Vertx vertx, Settings configured) {
    Settings settings = withSecret(configured);
    DeploymentOptions options = new DeploymentOptions().setConfig(settings.toJson());
    HttpVerticle http = new HttpVerticle();
    return new Storage(vertx, settings.uploadsDir(), settings.tempDir())
        .init()
        .compose(v -> vertx.deployVerticle(new UploadVerticle(), options))
        .compose(id -> vertx.deployVerticle(new ExportVerticle(), options))
        .compose(id -> vertx.deployVerticle(http, options))
        .map(
            id -> {
              Running running = new Running(settings, http.actualPort());
              log.info(
                  "filejobs listening on {}:{} (uploads in {}, temp files in {}, users from {})",
                  settings.httpHost(),
                  running.port(),
                  new java.io.File(settings.uploadsDir()).getAbsolutePath(),
                  new java.io.File(settings.tempDir()).getAbsolutePath(),
                  settings.usersFile());
              return running;
            });
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
