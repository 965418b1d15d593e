package io.filejobs.config;

/**
 * Builds {@link Settings} by name instead of by position: {@link Settings#builder()} starts from
 * the service's defaults, {@link Settings#toBuilder()} from given settings. Each setter is named
 * after the record component it sets (their meanings are on {@link Settings}).
 *
 * <p>{@link #build()} checks only what the record does (no text is null). Range checks and their
 * messages are {@link SettingsLoader}'s, for settings that come from a person.
 */
public final class SettingsBuilder {

  private String httpHost;
  private int httpPort;
  private String uploadsDir;
  private String tempDir;
  private String usersFile;
  private String jwtSecret;
  private int tokenTtlSeconds;
  private int signinMaxFailures;
  private long signinLockoutSeconds;
  private long usersReloadSeconds;
  private long maxUploadBytes;
  private long uploadExpirySeconds;
  private String corsOrigins;
  private long maxPauseSeconds;
  private long idleTimeoutSeconds;
  private long stopGraceSeconds;
  private boolean cluster;
  private String clusterHost;
  private int clusterPort;
  private String clusterMembers;
  private int clusterBusPort;
  private long transferMemoryBytes;
  private long transferBufferBytes;

  /** Nothing set: every value is to be given (for {@link SettingsLoader}). */
  SettingsBuilder() {}

  /** Starts from {@code settings}. */
  SettingsBuilder(Settings settings) {
    httpHost = settings.httpHost();
    httpPort = settings.httpPort();
    uploadsDir = settings.uploadsDir();
    tempDir = settings.tempDir();
    usersFile = settings.usersFile();
    jwtSecret = settings.jwtSecret();
    tokenTtlSeconds = settings.tokenTtlSeconds();
    signinMaxFailures = settings.signinMaxFailures();
    signinLockoutSeconds = settings.signinLockoutSeconds();
    usersReloadSeconds = settings.usersReloadSeconds();
    maxUploadBytes = settings.maxUploadBytes();
    uploadExpirySeconds = settings.uploadExpirySeconds();
    corsOrigins = settings.corsOrigins();
    maxPauseSeconds = settings.maxPauseSeconds();
    idleTimeoutSeconds = settings.idleTimeoutSeconds();
    stopGraceSeconds = settings.stopGraceSeconds();
    cluster = settings.cluster();
    clusterHost = settings.clusterHost();
    clusterPort = settings.clusterPort();
    clusterMembers = settings.clusterMembers();
    clusterBusPort = settings.clusterBusPort();
    transferMemoryBytes = settings.transferMemoryBytes();
    transferBufferBytes = settings.transferBufferBytes();
  }

  public SettingsBuilder httpHost(String value) {
    httpHost = value;
    return this;
  }

  public SettingsBuilder httpPort(int value) {
    httpPort = value;
    return this;
  }

  public SettingsBuilder uploadsDir(String value) {
    uploadsDir = value;
    return this;
  }

  public SettingsBuilder tempDir(String value) {
    tempDir = value;
    return this;
  }

  public SettingsBuilder usersFile(String value) {
    usersFile = value;
    return this;
  }

  public SettingsBuilder jwtSecret(String value) {
    jwtSecret = value;
    return this;
  }

  public SettingsBuilder tokenTtlSeconds(int value) {
    tokenTtlSeconds = value;
    return this;
  }

  public SettingsBuilder signinMaxFailures(int value) {
    signinMaxFailures = value;
    return this;
  }

  public SettingsBuilder signinLockoutSeconds(long value) {
    signinLockoutSeconds = value;
    return this;
  }

  public SettingsBuilder usersReloadSeconds(long value) {
    usersReloadSeconds = value;
    return this;
  }

  public SettingsBuilder maxUploadBytes(long value) {
    maxUploadBytes = value;
    return this;
  }

  public SettingsBuilder uploadExpirySeconds(long value) {
    uploadExpirySeconds = value;
    return this;
  }

  public SettingsBuilder corsOrigins(String value) {
    corsOrigins = value;
    return this;
  }

  public SettingsBuilder maxPauseSeconds(long value) {
    maxPauseSeconds = value;
    return this;
  }

  public SettingsBuilder idleTimeoutSeconds(long value) {
    idleTimeoutSeconds = value;
    return this;
  }

  public SettingsBuilder stopGraceSeconds(long value) {
    stopGraceSeconds = value;
    return this;
  }

  public SettingsBuilder cluster(boolean value) {
    cluster = value;
    return this;
  }

  public SettingsBuilder clusterHost(String value) {
    clusterHost = value;
    return this;
  }

  public SettingsBuilder clusterPort(int value) {
    clusterPort = value;
    return this;
  }

  public SettingsBuilder clusterMembers(String value) {
    clusterMembers = value;
    return this;
  }

  public SettingsBuilder clusterBusPort(int value) {
    clusterBusPort = value;
    return this;
  }

  public SettingsBuilder transferMemoryBytes(long value) {
    transferMemoryBytes = value;
    return this;
  }

  public SettingsBuilder transferBufferBytes(long value) {
    transferBufferBytes = value;
    return this;
  }

  public Settings build() {
    return new Settings(
        httpHost,
        httpPort,
        uploadsDir,
        tempDir,
        usersFile,
        jwtSecret,
        tokenTtlSeconds,
        signinMaxFailures,
        signinLockoutSeconds,
        usersReloadSeconds,
        maxUploadBytes,
        uploadExpirySeconds,
        corsOrigins,
        maxPauseSeconds,
        idleTimeoutSeconds,
        stopGraceSeconds,
        cluster,
        clusterHost,
        clusterPort,
        clusterMembers,
        clusterBusPort,
        transferMemoryBytes,
        transferBufferBytes);
  }
}
