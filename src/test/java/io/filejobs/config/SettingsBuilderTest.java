package io.filejobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SettingsBuilderTest {

  @Test
  @DisplayName("each setter of the builder sets the setting it is named after")
  void settersSetTheirOwnSetting() {
    Settings built =
        new SettingsBuilder()
            .httpHost("h")
            .httpPort(1)
            .uploadsDir("u")
            .tempDir("t")
            .usersFile("f")
            .jwtSecret("s")
            .tokenTtlSeconds(2)
            .signinMaxFailures(3)
            .signinLockoutSeconds(4)
            .usersReloadSeconds(5)
            .maxUploadBytes(6)
            .uploadExpirySeconds(60)
            .corsOrigins("o")
            .maxPauseSeconds(7)
            .idleTimeoutSeconds(8)
            .stopGraceSeconds(9)
            .cluster(true)
            .clusterHost("c")
            .clusterPort(10)
            .clusterMembers("m")
            .clusterBusPort(11)
            .transferMemoryBytes(12)
            .transferBufferBytes(13)
            .build();
    assertEquals(
        new Settings(
            "h", 1, "u", "t", "f", "s", 2, 3, 4, 5, 6, 60, "o", 7, 8, 9, true, "c", 10, "m", 11, 12,
            13),
        built);
    assertEquals(built, built.toBuilder().build());
  }

  @Test
  @DisplayName("a builder starts from the defaults, and each copy changes only what it names")
  void builderAndCopies() {
    Settings defaults = SettingsLoader.resolve(new JsonObject(), Map.of());
    assertEquals(defaults, Settings.defaults());
    assertEquals(defaults, Settings.builder().build());
    assertEquals(
        defaults.toBuilder().signinMaxFailures(3).signinLockoutSeconds(7).build(),
        defaults.withSigninLockout(3, 7));
    assertEquals(
        defaults.toBuilder()
            .cluster(true)
            .clusterHost("h")
            .clusterPort(2)
            .clusterMembers("a:1")
            .build(),
        defaults.withCluster("h", 2, "a:1"));
    assertEquals(
        defaults.toBuilder().transferMemoryBytes(5).transferBufferBytes(6).build(),
        defaults.withTransferMemory(5, 6));
    assertEquals(defaults.toBuilder().maxPauseSeconds(2).build(), defaults.withMaxPauseSeconds(2));
  }
}
