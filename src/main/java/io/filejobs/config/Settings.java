package io.filejobs.config;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Every setting of filejobs, read once at start-up from {@code conf/config.json} and the {@code
 * FILEJOBS_*} environment variables (see {@link SettingsLoader}).
 *
 * <p>Verticles receive these settings as their deployment config ({@link #toJson()}) and turn it
 * back into this record with {@link #fromJson(JsonObject)}. Code that makes settings itself (the
 * tests) names each value with {@link #builder()}, or copies settings with one value changed
 * ({@code with...}).
 *
 * @param httpHost interface the HTTP server binds
 * @param httpPort port of the HTTP server; 0 picks a free one
 * @param uploadsDir folder holding {@code <user>/<file>}
 * @param tempDir folder holding uploads in progress (this service's own)
 * @param usersFile the users' credentials file
 * @param jwtSecret HS256 key of the tokens; empty means "make one for this process"
 * @param tokenTtlSeconds lifetime of a token
 * @param signinMaxFailures failed sign-ins for one username before it is locked out for a while
 * @param signinLockoutSeconds how long such a lockout lasts
 * @param usersReloadSeconds how often the users file is checked for changes
 * @param maxUploadBytes largest file an upload may store
 * @param uploadExpirySeconds how long an interrupted resumable upload is kept after its last byte
 * @param corsOrigins comma-separated origins whose pages may use {@code /tus}; empty: none
 * @param maxPauseSeconds longest a job may stay paused before it is terminated
 * @param idleTimeoutSeconds longest a connection, a request or a job may go without progress
 * @param stopGraceSeconds on a stop, how long running jobs may go on before they are ended
 * @param cluster whether this node joins a cluster
 * @param clusterHost the interface Hazelcast and the clustered event bus bind
 * @param clusterPort Hazelcast's port
 * @param clusterMembers comma-separated {@code host:port} of the members to join (TCP-IP)
 * @param clusterBusPort the clustered event bus's port; 0 picks a free one
 * @param transferMemoryBytes the node's budget for transfer buffers; 0 is half the JVM's direct
 *     memory, at most 256 MiB
 * @param transferBufferBytes the most buffer memory one transfer holds; a new transfer is admitted
 *     only while the budget has this much room
 */
public record Settings(
    String httpHost,
    int httpPort,
    String uploadsDir,
    String tempDir,
    String usersFile,
    String jwtSecret,
    int tokenTtlSeconds,
    int signinMaxFailures,
    long signinLockoutSeconds,
    long usersReloadSeconds,
    long maxUploadBytes,
    long uploadExpirySeconds,
    String corsOrigins,
    long maxPauseSeconds,
    long idleTimeoutSeconds,
    long stopGraceSeconds,
    boolean cluster,
    String clusterHost,
    int clusterPort,
    String clusterMembers,
    int clusterBusPort,
    long transferMemoryBytes,
    long transferBufferBytes) {

  public Settings {
    Objects.requireNonNull(httpHost, "httpHost");
    Objects.requireNonNull(uploadsDir, "uploadsDir");
    Objects.requireNonNull(tempDir, "tempDir");
    Objects.requireNonNull(usersFile, "usersFile");
    Objects.requireNonNull(jwtSecret, "jwtSecret");
    Objects.requireNonNull(corsOrigins, "corsOrigins");
  }

  /** The default temp folder: a {@code filejobs} folder in the system temp dir. */
  public static String defaultTempDir() {
    return Path.of(System.getProperty("java.io.tmpdir"), "filejobs").toString();
  }

  /**
   * What the service runs with when no config file and no {@code FILEJOBS_*} variable says
   * otherwise (the values of {@code conf/config.json}).
   */
  public static Settings defaults() {
    return SettingsLoader.resolve(new JsonObject(), Map.of());
  }

  /** A builder that starts from {@link #defaults()}. */
  public static SettingsBuilder builder() {
    return defaults().toBuilder();
  }

  /** A builder that starts from these settings. */
  public SettingsBuilder toBuilder() {
    return new SettingsBuilder(this);
  }

  /** A copy with another secret. */
  public Settings withJwtSecret(String secret) {
    return toBuilder().jwtSecret(secret).build();
  }

  /** A copy with another temp folder. */
  public Settings withTempDir(String dir) {
    return toBuilder().tempDir(dir).build();
  }

  /** A copy with another sign-in lockout. */
  public Settings withSigninLockout(int maxFailures, long seconds) {
    return toBuilder().signinMaxFailures(maxFailures).signinLockoutSeconds(seconds).build();
  }

  /** A copy that checks the users file for changes every {@code seconds}. */
  public Settings withUsersReloadSeconds(long seconds) {
    return toBuilder().usersReloadSeconds(seconds).build();
  }

  /** A copy with another users file. */
  public Settings withUsersFile(String file) {
    return toBuilder().usersFile(file).build();
  }

  /** A copy with another upload limit. */
  public Settings withMaxUploadBytes(long max) {
    return toBuilder().maxUploadBytes(max).build();
  }

  /** What jobs may wait: their pause and idle limits. */
  public io.filejobs.jobs.JobLimits jobLimits() {
    return new io.filejobs.jobs.JobLimits(maxPauseSeconds, idleTimeoutSeconds);
  }

  /** A copy that joins a cluster on {@code host:port}, with TCP-IP {@code members}. */
  public Settings withCluster(String host, int port, String members) {
    return toBuilder()
        .cluster(true)
        .clusterHost(host)
        .clusterPort(port)
        .clusterMembers(members)
        .build();
  }

  /** The members to join, one {@code host:port} each. */
  public java.util.List<String> clusterMemberList() {
    return java.util.Arrays.stream(clusterMembers.split(","))
        .map(String::trim)
        .filter(m -> !m.isEmpty())
        .toList();
  }

  /** A copy with another idle timeout. */
  public Settings withIdleTimeoutSeconds(long seconds) {
    return toBuilder().idleTimeoutSeconds(seconds).build();
  }

  /** A copy with another stop grace time. */
  public Settings withStopGraceSeconds(long seconds) {
    return toBuilder().stopGraceSeconds(seconds).build();
  }

  /** A copy with another transfer budget and per-transfer bound. */
  public Settings withTransferMemory(long budgetBytes, long perTransferBytes) {
    return toBuilder()
        .transferMemoryBytes(budgetBytes)
        .transferBufferBytes(perTransferBytes)
        .build();
  }

  /** A copy with another pause limit. */
  public Settings withMaxPauseSeconds(long max) {
    return toBuilder().maxPauseSeconds(max).build();
  }

  public JsonObject toJson() {
    return JsonObject.mapFrom(this);
  }

  public static Settings fromJson(JsonObject json) {
    return json.mapTo(Settings.class);
  }
}
