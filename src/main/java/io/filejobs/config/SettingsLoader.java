package io.filejobs.config;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileSystem;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Reads the settings: built-in defaults, then {@code conf/config.json} (or the file named by {@code
 * FILEJOBS_CONF}), then one {@code FILEJOBS_*} environment variable per setting.
 *
 * <p>A missing {@code conf/config.json} is fine (the defaults apply); a missing file named by
 * {@code FILEJOBS_CONF}, a file that is not JSON, or a bad value fails with a message naming the
 * setting.
 */
public final class SettingsLoader {

  /** Names another config file. */
  public static final String CONF_ENV = "FILEJOBS_CONF";

  static final String DEFAULT_CONF = "conf/config.json";

  /** The least per-transfer bound: a few socket reads (an upload needs three and its writes). */
  static final long MIN_TRANSFER_BUFFER = 1024 * 1024;

  private SettingsLoader() {}

  /**
   * Reads the settings on the calling thread, before any Vert.x instance exists (Main needs them to
   * know whether to build a clustered one). Blocking: never call it on an event loop.
   */
  public static Settings read(Map<String, String> env) {
    String explicit = blankToNull(env.get(CONF_ENV));
    java.nio.file.Path path = java.nio.file.Path.of(explicit != null ? explicit : DEFAULT_CONF);
    JsonObject file;
    if (java.nio.file.Files.exists(path)) {
      try {
        file = parse(path.toString(), java.nio.file.Files.readString(path));
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("cannot read " + path, e);
      }
    } else if (explicit != null) {
      throw new IllegalArgumentException(CONF_ENV + " names " + path + ", which does not exist");
    } else {
      file = new JsonObject();
    }
    return resolve(file, env);
  }

  public static Future<Settings> load(Vertx vertx, Map<String, String> env) {
    String explicit = blankToNull(env.get(CONF_ENV));
    String path = explicit != null ? explicit : DEFAULT_CONF;
    FileSystem fs = vertx.fileSystem();
    return fs.exists(path)
        .compose(
            exists -> {
              if (!exists) {
                return explicit != null
                    ? Future.failedFuture(
                        new IllegalArgumentException(
                            CONF_ENV + " names " + path + ", which does not exist"))
                    : Future.succeededFuture(new JsonObject());
              }
              return fs.readFile(path).map(buffer -> parse(path, buffer.toString()));
            })
        .map(file -> resolve(file, env));
  }

  private static JsonObject parse(String path, String text) {
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new IllegalArgumentException(path + " is not a JSON object: " + e.getMessage(), e);
    }
  }

  /** Applies file values and environment overrides onto the defaults, then checks them. */
  static Settings resolve(JsonObject file, Map<String, String> env) {
    JsonObject flat = new JsonObject();
    for (Setting s : Setting.values()) {
      Object value = s.defaultValue;
      JsonObject section = file.getValue(s.section) instanceof JsonObject o ? o : null;
      if (section != null && section.containsKey(s.key) && section.getValue(s.key) != null) {
        value = section.getValue(s.key);
      }
      String override = env.get(s.env);
      if (override != null) {
        value = override.trim();
      }
      flat.put(s.name(), value);
    }
    String tempDir = text(flat, Setting.TEMP_DIR);
    Settings settings =
        new SettingsBuilder()
            .httpHost(nonBlank(flat, Setting.HTTP_HOST))
            .httpPort((int) number(flat, Setting.HTTP_PORT, 0, 65535))
            .uploadsDir(nonBlank(flat, Setting.UPLOADS_DIR))
            .tempDir(tempDir.isBlank() ? Settings.defaultTempDir() : tempDir)
            .usersFile(nonBlank(flat, Setting.USERS_FILE))
            .jwtSecret(text(flat, Setting.JWT_SECRET))
            .tokenTtlSeconds((int) number(flat, Setting.TOKEN_TTL_SECONDS, 1, Integer.MAX_VALUE))
            .signinMaxFailures(
                (int) number(flat, Setting.SIGNIN_MAX_FAILURES, 1, Integer.MAX_VALUE))
            .signinLockoutSeconds(
                number(flat, Setting.SIGNIN_LOCKOUT_SECONDS, 1, Long.MAX_VALUE / 1000))
            .usersReloadSeconds(number(flat, Setting.USERS_RELOAD_SECONDS, 1, 3600))
            .maxUploadBytes(number(flat, Setting.MAX_UPLOAD_BYTES, 1, Long.MAX_VALUE))
            .uploadExpirySeconds(
                number(flat, Setting.UPLOAD_EXPIRY_SECONDS, 1, Long.MAX_VALUE / 1000))
            .corsOrigins(text(flat, Setting.CORS_ORIGINS))
            .maxPauseSeconds(number(flat, Setting.MAX_PAUSE_SECONDS, 1, Long.MAX_VALUE / 1000))
            .idleTimeoutSeconds(
                number(flat, Setting.IDLE_TIMEOUT_SECONDS, 1, Long.MAX_VALUE / 1000))
            .stopGraceSeconds(number(flat, Setting.STOP_GRACE_SECONDS, 0, 3600))
            .cluster(bool(flat, Setting.CLUSTER))
            .clusterHost(nonBlank(flat, Setting.CLUSTER_HOST))
            .clusterPort((int) number(flat, Setting.CLUSTER_PORT, 1, 65535))
            .clusterMembers(text(flat, Setting.CLUSTER_MEMBERS))
            .clusterBusPort((int) number(flat, Setting.CLUSTER_BUS_PORT, 0, 65535))
            .transferMemoryBytes(number(flat, Setting.TRANSFER_MEMORY_BYTES, 0, Long.MAX_VALUE))
            .transferBufferBytes(
                number(flat, Setting.TRANSFER_BUFFER_BYTES, MIN_TRANSFER_BUFFER, 1L << 30))
            .build();
    if (settings.transferMemoryBytes() != 0
        && settings.transferMemoryBytes() < settings.transferBufferBytes()) {
      throw new IllegalArgumentException(
          Setting.TRANSFER_MEMORY_BYTES.label()
              + " must be 0 or at least "
              + Setting.TRANSFER_BUFFER_BYTES.label()
              + " ("
              + settings.transferBufferBytes()
              + "), got "
              + settings.transferMemoryBytes());
    }
    return settings;
  }

  private static String text(JsonObject flat, Setting s) {
    Object v = flat.getValue(s.name());
    if (v instanceof String str) {
      return str;
    }
    throw new IllegalArgumentException(s.label() + " must be a string, got " + v);
  }

  private static String nonBlank(JsonObject flat, Setting s) {
    String v = text(flat, s);
    if (v.isBlank()) {
      throw new IllegalArgumentException(s.label() + " must not be empty");
    }
    return v;
  }

  private static long number(JsonObject flat, Setting s, long min, long max) {
    Object v = flat.getValue(s.name());
    long n;
    try {
      n = v instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(v));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(s.label() + " must be a whole number, got " + v, e);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          s.label() + " must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }

  private static boolean bool(JsonObject flat, Setting s) {
    Object v = flat.getValue(s.name());
    if (v instanceof Boolean b) {
      return b;
    }
    if ("true".equalsIgnoreCase(String.valueOf(v)) || "false".equalsIgnoreCase(String.valueOf(v))) {
      return Boolean.parseBoolean(String.valueOf(v));
    }
    throw new IllegalArgumentException(s.label() + " must be true or false, got " + v);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
