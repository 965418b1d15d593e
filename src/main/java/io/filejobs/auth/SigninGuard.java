package io.filejobs.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Slows down password guessing: after {@code maxFailures} failed sign-ins for one username (or
 * four times as many from one client address) within the lockout period, both are refused for
 * that period. Thread-safe: the HTTP verticle's instances (one per event loop) share one.
 *
 * <p>Memory is bounded: at most {@value #MAX_ENTRIES} usernames and addresses are remembered, the
 * least recently seen forgotten first.
 */
public final class SigninGuard {

  static final int MAX_ENTRIES = 10_000;
  static final int ADDRESS_FACTOR = 4;

  private static final class Record {
    int failures;
    long since;
    long blockedUntil;
  }

  private final int maxFailures;
  private final long lockoutMillis;
  private final LongSupplier clock;
  private final Map<String, Record> records =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Record> eldest) {
          return size() > MAX_ENTRIES;
        }
      };

  public SigninGuard(int maxFailures, long lockoutSeconds) {
    this(maxFailures, lockoutSeconds * 1000, System::currentTimeMillis);
  }

  SigninGuard(int maxFailures, long lockoutMillis, LongSupplier clock) {
    this.maxFailures = maxFailures;
    this.lockoutMillis = lockoutMillis;
    this.clock = clock;
  }

  /** Milliseconds until this username from this address may try again; 0 when it may now. */
  public synchronized long retryAfterMillis(String username, String address) {
    long now = clock.getAsLong();
    return Math.max(wait(userKey(username), now), wait(addressKey(address), now));
  }

  public synchronized void failed(String username, String address) {
    long now = clock.getAsLong();
    count(userKey(username), maxFailures, now);
    count(addressKey(address), maxFailures * ADDRESS_FACTOR, now);
  }

  /** A successful sign-in clears the username's failures (not the address's). */
  public synchronized void succeeded(String username) {
    records.remove(userKey(username));
  }

  private long wait(String key, long now) {
    Record r = records.get(key);
    return r == null ? 0 : Math.max(0, r.blockedUntil - now);
  }

  private void count(String key, int limit, long now) {
    Record r = records.computeIfAbsent(key, k -> new Record());
    if (now - r.since > lockoutMillis) {
      r.failures = 0;
      r.since = now;
    }
    if (++r.failures >= limit) {
      r.blockedUntil = now + lockoutMillis;
      r.failures = 0;
      r.since = now;
    }
  }

  private static String userKey(String username) {
    return "user:" + username;
  }

  private static String addressKey(String address) {
    return "address:" + address;
  }
}
