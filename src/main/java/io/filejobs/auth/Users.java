package io.filejobs.auth;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users of {@code usersData.json}: a JSON array of {@code {"username", "password" or
 * "passwordHash", "api_key"}}. A plain {@code password} (the original service's file) still works,
 * with a warning at start-up; a {@code passwordHash} is made by {@code java -jar filejobs.jar
 * hash-password} (see {@link Passwords}). Immutable once loaded: {@link UsersFile} reads the file
 * again when it changes and swaps in a new one.
 */
public final class Users {

  /** One entry of the users file. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Entry(
      @JsonProperty("username") String username,
      @JsonProperty("password") String password,
      @JsonProperty("passwordHash") String passwordHash,
      @JsonProperty("api_key") String apiKey) {}

  private static final Logger log = LoggerFactory.getLogger(Users.class);

  /** Compared against when the user is unknown, so both failures take the same time. */
  private static final byte[] NOBODY = "\0no such user\0".getBytes(StandardCharsets.UTF_8);

  private final Map<String, Entry> byName;

  /** Whether any user has a hash: then every check costs one hash verification. */
  private final boolean anyHashed;

  private Users(Map<String, Entry> byName) {
    this.byName = byName;
    this.anyHashed = byName.values().stream().anyMatch(e -> e.passwordHash() != null);
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
      // Only where, never the parser's own message: it may quote the file (and its passwords).
      throw new IllegalArgumentException(
          path + " is not a JSON array of users" + location(e), null);
    }
    Map<String, Entry> byName = new HashMap<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject o)) {
        throw new IllegalArgumentException(path + ": entry " + i + " is not an object");
      }
      Entry entry;
      try {
        entry = o.mapTo(Entry.class);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            path + ": entry " + i + " has a field that is not a string", null);
      }
      if (entry.username() == null
          || entry.username().isBlank()
          || (entry.password() == null) == (entry.passwordHash() == null)) {
        throw new IllegalArgumentException(
            path + ": entry " + i + " needs a username and either a password or a passwordHash");
      }
      if (entry.passwordHash() != null && !Passwords.isHash(entry.passwordHash())) {
        throw new IllegalArgumentException(
            path + ": the passwordHash of entry " + i + " is not one hash-password makes");
      }
      if (io.filejobs.storage.FileNames.check(entry.username()).isEmpty()) {
        throw new IllegalArgumentException(
            path + ": username of entry " + i + " cannot name a folder");
      }
      if (byName.put(entry.username(), entry) != null) {
        throw new IllegalArgumentException(path + ": username " + entry.username() + " twice");
      }
    }
    byName.values().stream()
        .filter(e -> e.password() != null)
        .forEach(
            e ->
                log.warn(
                    "user {} has a plain password in {}: replace it with a passwordHash"
                        + " (java -jar filejobs.jar hash-password)",
                    e.username(),
                    path));
    return new Users(Map.copyOf(byName));
  }

  /**
   * The user's name when {@code password} is theirs, checked on a worker. Unknown users, wrong
   * passwords, plain and hashed entries all take the same time: when any user has a hash, every
   * check verifies one (a decoy for the unknown and the plain ones).
   */
  public Future<Optional<String>> check(Vertx vertx, String username, String password) {
    Entry entry = byName.get(username);
    return vertx.executeBlocking(
        () -> {
          boolean matches;
          if (entry != null && entry.passwordHash() != null) {
            matches = Passwords.verify(entry.passwordHash(), password);
          } else {
            if (anyHashed) {
              Passwords.verify(Passwords.DECOY, password);
            }
            byte[] expected =
                entry == null ? NOBODY : entry.password().getBytes(StandardCharsets.UTF_8);
            matches =
                MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8), expected)
                    && entry != null;
          }
          return matches ? Optional.of(entry.username()) : Optional.<String>empty();
        },
        false);
  }

  public boolean exists(String username) {
    return byName.containsKey(username);
  }

  /** Every username. */
  public Set<String> usernames() {
    return byName.keySet();
  }

  /** Whether both have the same users with the same credentials. */
  boolean sameAs(Users other) {
    return byName.equals(other.byName);
  }

  /** {@code " (line L, column C)"} where the JSON parser stopped, or nothing if it did not say. */
  private static String location(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof JsonProcessingException json && json.getLocation() != null) {
        return " (line "
            + json.getLocation().getLineNr()
            + ", column "
            + json.getLocation().getColumnNr()
            + ")";
      }
    }
    return "";
  }
}
