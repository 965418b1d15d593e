package io.filejobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class SettingsLoaderTest {

  @TempDir Path dir;

  @Test
  @DisplayName("with no config file and no variables, the documented defaults apply")
  void defaults() {
    Settings s = SettingsLoader.resolve(new JsonObject(), Map.of());
    assertEquals("0.0.0.0", s.httpHost());
    assertEquals(8000, s.httpPort());
    assertEquals("Uploads", s.uploadsDir());
    assertEquals(Settings.defaultTempDir(), s.tempDir());
    assertEquals("usersData.json", s.usersFile());
    assertEquals("", s.jwtSecret());
    assertEquals(3600, s.tokenTtlSeconds());
    assertEquals(16L << 30, s.maxUploadBytes());
    assertEquals(1800, s.maxPauseSeconds());
    assertEquals(60, s.idleTimeoutSeconds());
    assertEquals(5, s.signinMaxFailures());
    assertEquals(60, s.signinLockoutSeconds());
    assertEquals(2, s.usersReloadSeconds());
  }

  @Test
  @DisplayName("the shipped conf/config.json holds exactly the defaults")
  void shippedConfigIsTheDefaults(Vertx vertx) {
    Settings shipped = SettingsLoader.load(vertx, Map.of()).await();
    assertEquals(SettingsLoader.resolve(new JsonObject(), Map.of()), shipped);
  }

  @Test
  @DisplayName("each FILEJOBS_* variable overrides the config file")
  void environmentOverrides() {
    JsonObject file =
        new JsonObject().put("http", new JsonObject().put("port", 9000).put("host", "127.0.0.1"));
    Settings s =
        SettingsLoader.resolve(
            file,
            Map.of(
                "FILEJOBS_HTTP_PORT", "9100",
                "FILEJOBS_UPLOADS_DIR", "/srv/up",
                "FILEJOBS_TEMP_DIR", "/srv/tmp",
                "FILEJOBS_USERS_FILE", "/etc/users.json",
                "FILEJOBS_JWT_SECRET", "s3cret",
                "FILEJOBS_TOKEN_TTL_SECONDS", "60",
                "FILEJOBS_MAX_UPLOAD_BYTES", "1024",
                "FILEJOBS_MAX_PAUSE_SECONDS", "5",
                "FILEJOBS_USERS_RELOAD_SECONDS", "30"));
    assertEquals("127.0.0.1", s.httpHost());
    assertEquals(9100, s.httpPort());
    assertEquals("/srv/up", s.uploadsDir());
    assertEquals("/srv/tmp", s.tempDir());
    assertEquals("/etc/users.json", s.usersFile());
    assertEquals("s3cret", s.jwtSecret());
    assertEquals(60, s.tokenTtlSeconds());
    assertEquals(1024, s.maxUploadBytes());
    assertEquals(5, s.maxPauseSeconds());
    assertEquals(30, s.usersReloadSeconds());
    assertEquals("0.0.0.0", SettingsLoader.resolve(new JsonObject(), Map.of()).httpHost());
    assertEquals(
        "10.1.2.3",
        SettingsLoader.resolve(file, Map.of("FILEJOBS_HTTP_HOST", "10.1.2.3")).httpHost());
  }

  @Test
  @DisplayName("a bad value is refused with a message naming the setting and its variable")
  void badValues() {
    IllegalArgumentException port =
        assertThrows(
            IllegalArgumentException.class,
            () -> SettingsLoader.resolve(new JsonObject(), Map.of("FILEJOBS_HTTP_PORT", "70000")));
    assertTrue(port.getMessage().contains("FILEJOBS_HTTP_PORT"), port.getMessage());
    IllegalArgumentException ttl =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SettingsLoader.resolve(
                    new JsonObject(), Map.of("FILEJOBS_TOKEN_TTL_SECONDS", "soon")));
    assertTrue(ttl.getMessage().contains("auth.tokenTtlSeconds"), ttl.getMessage());
    IllegalArgumentException dir =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SettingsLoader.resolve(
                    new JsonObject().put("storage", new JsonObject().put("uploadsDir", " ")),
                    Map.of()));
    assertTrue(dir.getMessage().contains("FILEJOBS_UPLOADS_DIR"), dir.getMessage());
    IllegalArgumentException reload =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SettingsLoader.resolve(
                    new JsonObject(), Map.of("FILEJOBS_USERS_RELOAD_SECONDS", "0")));
    assertEquals(
        "auth.usersReloadSeconds (FILEJOBS_USERS_RELOAD_SECONDS) must be between 1 and 3600, got 0",
        reload.getMessage());
  }

  @Test
  @DisplayName(
      "FILEJOBS_CONF names another file; a missing one or one that is not JSON stops the start")
  void otherConfigFile(Vertx vertx) throws Exception {
    Path conf = dir.resolve("other.json");
    Files.writeString(conf, "{\"http\":{\"port\":8123}}");
    assertEquals(
        8123,
        SettingsLoader.load(vertx, Map.of("FILEJOBS_CONF", conf.toString())).await().httpPort());

    Throwable missing =
        assertThrows(
            Exception.class,
            () ->
                SettingsLoader.load(
                        vertx, Map.of("FILEJOBS_CONF", dir.resolve("none.json").toString()))
                    .await());
    assertTrue(missing.getMessage().contains("FILEJOBS_CONF"), missing.getMessage());

    Files.writeString(conf, "{not json");
    Throwable broken =
        assertThrows(
            Exception.class,
            () -> SettingsLoader.load(vertx, Map.of("FILEJOBS_CONF", conf.toString())).await());
    assertTrue(broken.getMessage().contains("not a JSON object"), broken.getMessage());
  }
}
