package io.filejobs.auth;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The users of {@code usersData.json}: a JSON array of {@code {"username", "password",
 * "api_key"}}, as in the original service. Immutable once loaded.
 */
public final class Users {

  /** One entry of the users file. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Entry(
      @JsonProperty("username") String username,
      @JsonProperty("password") String password,
      @JsonProperty("api_key") String apiKey) {}

  /** Compared against when the user is unknown, so both failures take the same time. */
  private static final byte[] NOBODY = "\0no such user\0".getBytes(StandardCharsets.UTF_8);

  private final Map<String, Entry> byName;

  private Users(Map<String, Entry> byName) {
    this.byName = byName;
  }

  public static Future<Users> load(Vertx vertx, String path) {
    return vertx
        .fileSystem()
        .readFile(path)
        .recover(
            e ->
                Future.failedFuture(
                    new IllegalArgumentException("cannot read the users file " + path, e)))
        .map(buffer -> parse(path, buffer.toString(StandardCharsets.UTF_8)));
  }

  static Users parse(String path, String text) {
    JsonArray array;
    try {
      array = new JsonArray(text);
    } catch (DecodeException e) {
      throw new IllegalArgumentException(path + " is not a JSON array of users", e);
    }
    Map<String, Entry> byName = new HashMap<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject o)) {
        throw new IllegalArgumentException(path + ": entry " + i + " is not an object");
      }
      Entry entry = o.mapTo(Entry.class);
      if (entry.username() == null || entry.username().isBlank() || entry.password() == null) {
        throw new IllegalArgumentException(
            path + ": entry " + i + " needs a username and a password");
      }
      if (io.filejobs.storage.FileNames.check(entry.username()).isEmpty()) {
        throw new IllegalArgumentException(
            path + ": username of entry " + i + " cannot name a folder");
      }
      if (byName.put(entry.username(), entry) != null) {
        throw new IllegalArgumentException(path + ": username " + entry.username() + " twice");
      }
    }
    return new Users(Map.copyOf(byName));
  }

  /**
   * The user's name when {@code password} is theirs. The comparison takes the same time whether
   * the user is unknown or the password wrong.
   */
  public Optional<String> check(String username, String password) {
    Entry entry = byName.get(username);
    byte[] given = password.getBytes(StandardCharsets.UTF_8);
    byte[] expected =
        entry == null ? NOBODY : entry.password().getBytes(StandardCharsets.UTF_8);
    boolean same = MessageDigest.isEqual(given, expected);
    return entry != null && same ? Optional.of(entry.username()) : Optional.empty();
  }

  public boolean exists(String username) {
    return byName.containsKey(username);
  }

  public int size() {
    return byName.size();
  }
}
