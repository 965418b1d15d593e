package io.filejobs.config;

/**
 * One configurable value: its place in {@code conf/config.json}, the environment variable that
 * overrides it, and its built-in default.
 */
enum Setting {
  HTTP_HOST("http", "host", "FILEJOBS_HTTP_HOST", "0.0.0.0"),
  HTTP_PORT("http", "port", "FILEJOBS_HTTP_PORT", 8000),
  UPLOADS_DIR("storage", "uploadsDir", "FILEJOBS_UPLOADS_DIR", "Uploads"),
  TEMP_DIR("storage", "tempDir", "FILEJOBS_TEMP_DIR", ""),
  USERS_FILE("auth", "usersFile", "FILEJOBS_USERS_FILE", "usersData.json"),
  JWT_SECRET("auth", "jwtSecret", "FILEJOBS_JWT_SECRET", ""),
  TOKEN_TTL_SECONDS("auth", "tokenTtlSeconds", "FILEJOBS_TOKEN_TTL_SECONDS", 3600),
  SIGNIN_MAX_FAILURES("auth", "signinMaxFailures", "FILEJOBS_SIGNIN_MAX_FAILURES", 5),
  SIGNIN_LOCKOUT_SECONDS("auth", "signinLockoutSeconds", "FILEJOBS_SIGNIN_LOCKOUT_SECONDS", 60),
  USERS_RELOAD_SECONDS("auth", "usersReloadSeconds", "FILEJOBS_USERS_RELOAD_SECONDS", 2),
  MAX_UPLOAD_BYTES("upload", "maxBytes", "FILEJOBS_MAX_UPLOAD_BYTES", 16L * 1024 * 1024 * 1024),
  UPLOAD_EXPIRY_SECONDS("upload", "expirySeconds", "FILEJOBS_UPLOAD_EXPIRY_SECONDS", 86400),
  CORS_ORIGINS("http", "corsOrigins", "FILEJOBS_CORS_ORIGINS", ""),
  MAX_PAUSE_SECONDS("jobs", "maxPauseSeconds", "FILEJOBS_MAX_PAUSE_SECONDS", 1800),
  STOP_GRACE_SECONDS("jobs", "stopGraceSeconds", "FILEJOBS_STOP_GRACE_SECONDS", 10),
  IDLE_TIMEOUT_SECONDS("http", "idleTimeoutSeconds", "FILEJOBS_IDLE_TIMEOUT_SECONDS", 60),
  CLUSTER("cluster", "enabled", "FILEJOBS_CLUSTER", false),
  CLUSTER_HOST("cluster", "host", "FILEJOBS_CLUSTER_HOST", "127.0.0.1"),
  CLUSTER_PORT("cluster", "port", "FILEJOBS_CLUSTER_PORT", 5701),
  CLUSTER_MEMBERS("cluster", "members", "FILEJOBS_CLUSTER_MEMBERS", ""),
  CLUSTER_BUS_PORT("cluster", "busPort", "FILEJOBS_CLUSTER_BUS_PORT", 0),
  TRANSFER_MEMORY_BYTES("transfers", "memoryBytes", "FILEJOBS_TRANSFER_MEMORY_BYTES", 0L),
  TRANSFER_BUFFER_BYTES(
      "transfers", "bufferBytes", "FILEJOBS_TRANSFER_BUFFER_BYTES", 3L * 1024 * 1024);

  final String section;
  final String key;
  final String env;
  final Object defaultValue;

  Setting(String section, String key, String env, Object defaultValue) {
    this.section = section;
    this.key = key;
    this.env = env;
    this.defaultValue = defaultValue;
  }

  /** Where a person finds it: {@code http.port (FILEJOBS_HTTP_PORT)}. */
  String label() {
    return section + "." + key + " (" + env + ")";
  }
}
