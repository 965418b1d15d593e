package io.filejobs.auth;

import io.vertx.ext.auth.hashing.HashingStrategy;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * Password hashes in the users file: PBKDF2-HMAC-SHA512 through Vert.x's own {@link
 * HashingStrategy}, written in its PHC-style form {@code $pbkdf2$it=<n>$<salt>$<hash>}.
 *
 * <p>Hashing and verifying cost about 0.2 s of CPU each, on purpose: call them on a worker ({@code
 * executeBlocking}), never on an event loop. {@link #verify} is constant-time.
 */
public final class Passwords {

  static final String ALGORITHM = "pbkdf2";

  /** OWASP's 2023 figure for PBKDF2-HMAC-SHA512. */
  static final int ITERATIONS = 210_000;

  private static final HashingStrategy STRATEGY = HashingStrategy.load();
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * A hash of a password nobody knows, with the same cost as a real one: verified for unknown users
   * so that their failure takes as long as a wrong password.
   */
  static final String DECOY =
      "$pbkdf2$it=210000$m4waBMAY57YmOREd88Xxtw$qlW0JKQfU9jqJm4ol1Gzo6XSBzw0/vquEE4XXYNljUOf4K"
          + "iakW4YwK/Ci+UB5hNH33GH10P+MGJpWuYfP1GMTw";

  private Passwords() {}

  /** A new hash of {@code password} with a fresh random salt. Blocking. */
  public static String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return STRATEGY.hash(
        ALGORITHM,
        Map.of("it", Integer.toString(ITERATIONS)),
        Base64.getEncoder().withoutPadding().encodeToString(salt),
        password);
  }

  /** Whether {@code password} matches {@code hash}, in constant time. Blocking. */
  public static boolean verify(String hash, String password) {
    return STRATEGY.verify(hash, password);
  }

  /** Whether {@code text} has the form of a hash this class makes. */
  static boolean isHash(String text) {
    String[] parts = text.split("\\$");
    return parts.length == 5
        && parts[0].isEmpty()
        && parts[1].equals(ALGORITHM)
        && parts[2].startsWith("it=")
        && !parts[3].isEmpty()
        && !parts[4].isEmpty();
  }
}
