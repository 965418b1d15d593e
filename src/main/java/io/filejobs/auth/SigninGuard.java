package io.filejobs.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slows down password guessing: after {@code maxFailures} failed sign-ins for one username (or four
 * times as many from one client address) within the lockout period, both are refused for that
 * period. Thread-safe: the HTTP verticle's instances (one per event loop) share one.
 *
 * <p><b>Memory is fixed at construction</b>, whatever unauthenticated clients send: a table of
 * {@value #SETS} sets of {@value #WAYS} slots of {@value #SLOT_BYTES} bytes (576 KiB for the
 * service's table), in primitive arrays allocated once. A slot holds a 128-bit keyed hash of the
 * username or address (HMAC-SHA256 with a random key per process, truncated), never the text
 * itself, so a long username costs no more than a short one (and the HTTP layer refuses usernames
 * longer than any user can have before they get here).
 *
 * <p><b>When a set is full</b>, a new name takes the slot that protects least: one whose counting
 * period has passed, else one not locked out with the fewest failures (the oldest among equals),
 * else the lockout that ends soonest. The trade-off: a flood of new names never makes the guard
 * refuse sign-ins it would otherwise allow (it forgets instead), but what it forgets first is what
 * matters least. Nobody can aim at a victim's set without the key, so to make the guard forget a
 * username that has failed {@code n} times an attacker must fill the whole table with names that
 * failed at least as often: in the order of 16 384 x {@code n} failed sign-ins, from some 800 x
 * {@code n} addresses (each is locked out after 20), within one lockout period, and that buys
 * {@code n} more guesses. A username that is locked out is forgotten only once its set is full of
 * lockouts that end later, so in practice once the whole table is: about 82 000 failed sign-ins
 * from 4 100 addresses per period.
 */
public final class SigninGuard {

  static final int ADDRESS_FACTOR = 4;

  /** Slots per set: a name competes for a slot only with the other names of its set. */
  static final int WAYS = 8;

  /** Sets of the service's table: {@value} x {@value #WAYS} = 16 384 slots. */
  static final int SETS = 2048;

  /**
   * Bytes of one slot: the key (two longs), the failure count (an int), the start of the counting
   * period and the end of the lockout (two longs).
   */
  static final int SLOT_BYTES = 2 * Long.BYTES + Integer.BYTES + 2 * Long.BYTES;

  private static final Logger log = LoggerFactory.getLogger(SigninGuard.class);

  private static final byte USER = 'u';
  private static final byte ADDRESS = 'a';

  private final int maxFailures;
  private final long lockoutMillis;
  private final LongSupplier clock;
  private final int sets;
  private final Mac keyedHash;

  /** The slots, one index across all five arrays; a {@code keyHigh} of 0 is an empty slot. */
  private final long[] keyHigh;

  private final long[] keyLow;
  private final int[] failures;
  private final long[] since;
  private final long[] blockedUntil;

  /** When the guard last said that it forgets names still counted; once per lockout period. */
  private long warnedAt;

  public SigninGuard(int maxFailures, long lockoutSeconds) {
    this(maxFailures, lockoutSeconds * 1000, System::currentTimeMillis, SETS);
  }

  SigninGuard(int maxFailures, long lockoutMillis, LongSupplier clock, int sets) {
    if (sets <= 0 || Integer.bitCount(sets) != 1) {
      throw new IllegalArgumentException("sets must be a power of two, got " + sets);
    }
    this.maxFailures = maxFailures;
    this.lockoutMillis = lockoutMillis;
    this.clock = clock;
    this.sets = sets;
    int slots = sets * WAYS;
    keyHigh = new long[slots];
    keyLow = new long[slots];
    failures = new int[slots];
    since = new long[slots];
    blockedUntil = new long[slots];
    warnedAt = clock.getAsLong() - lockoutMillis - 1;
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    try {
      keyedHash = Mac.getInstance("HmacSHA256");
      keyedHash.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** How many names the table can hold at once. */
  public int slots() {
    return keyHigh.length;
  }

  /** The bytes of the table's slots: fixed at construction. */
  public long tableBytes() {
    return (long) slots() * SLOT_BYTES;
  }

  /** How many slots hold a name now (including those whose period has passed). */
  public synchronized int entries() {
    int used = 0;
    for (long high : keyHigh) {
      if (high != 0) {
        used++;
      }
    }
    return used;
  }

  /** Milliseconds until this username from this address may try again; 0 when it may now. */
  public synchronized long retryAfterMillis(String username, String address) {
    long now = clock.getAsLong();
    return Math.max(wait(USER, username, now), wait(ADDRESS, address, now));
  }

  public synchronized void failed(String username, String address) {
    long now = clock.getAsLong();
    count(USER, username, maxFailures, now);
    count(ADDRESS, address, maxFailures * ADDRESS_FACTOR, now);
  }

  /** A successful sign-in clears the username's failures (not the address's). */
  public synchronized void succeeded(String username) {
    int slot = find(key(USER, username));
    if (slot >= 0) {
      keyHigh[slot] = 0;
      keyLow[slot] = 0;
      failures[slot] = 0;
      since[slot] = 0;
      blockedUntil[slot] = 0;
    }
  }

  /** A name's place in the table: its keyed hash (never 0 in {@code high}) and its set. */
  private record Key(long high, long low, int setStart) {}

  private Key key(byte kind, String name) {
    keyedHash.update(kind);
    byte[] digest = keyedHash.doFinal(name.getBytes(StandardCharsets.UTF_8));
    long low = toLong(digest, 8);
    return new Key(toLong(digest, 0) | 1, low, (int) (low & (sets - 1)) * WAYS);
  }

  private long wait(byte kind, String name, long now) {
    int slot = find(key(kind, name));
    return slot < 0 ? 0 : Math.max(0, blockedUntil[slot] - now);
  }

  private void count(byte kind, String name, int limit, long now) {
    Key key = key(kind, name);
    int slot = find(key);
    if (slot < 0) {
      slot = place(key, now);
      keyHigh[slot] = key.high();
      keyLow[slot] = key.low();
      failures[slot] = 0;
      since[slot] = now;
      blockedUntil[slot] = 0;
    }
    if (now - since[slot] > lockoutMillis) {
      failures[slot] = 0;
      since[slot] = now;
    }
    if (++failures[slot] >= limit) {
      blockedUntil[slot] = now + lockoutMillis;
      failures[slot] = 0;
      since[slot] = now;
    }
  }

  /** The slot that holds {@code key}, or -1. */
  private int find(Key key) {
    for (int slot = key.setStart(); slot < key.setStart() + WAYS; slot++) {
      if (keyHigh[slot] == key.high() && keyLow[slot] == key.low()) {
        return slot;
      }
    }
    return -1;
  }

  /** The slot a new key takes in its set: an empty one, else the one that protects least. */
  private int place(Key key, long now) {
    int chosen = key.setStart();
    for (int slot = key.setStart(); slot < key.setStart() + WAYS; slot++) {
      if (keyHigh[slot] == 0) {
        return slot;
      }
      if (protectsLess(slot, chosen, now)) {
        chosen = slot;
      }
    }
    if (rank(chosen, now) > 0 && now - warnedAt > lockoutMillis) {
      warnedAt = now;
      log.warn(
          "the sign-in lockout table is full ({} names): forgetting the failures of those that"
              + " failed least (many failed sign-ins from many addresses?)",
          slots());
    }
    return chosen;
  }

  /** 0: its counting period has passed; 1: counting failures; 2: locked out. */
  private int rank(int slot, long now) {
    if (blockedUntil[slot] > now) {
      return 2;
    }
    return now - since[slot] > lockoutMillis ? 0 : 1;
  }

  private boolean protectsLess(int a, int b, long now) {
    int rankA = rank(a, now);
    int rankB = rank(b, now);
    if (rankA != rankB) {
      return rankA < rankB;
    }
    if (rankA == 1) {
      return failures[a] != failures[b] ? failures[a] < failures[b] : since[a] < since[b];
    }
    return rankA == 2 && blockedUntil[a] < blockedUntil[b];
  }

  private static long toLong(byte[] bytes, int offset) {
    long value = 0;
    for (int i = offset; i < offset + Long.BYTES; i++) {
      value = (value << 8) | (bytes[i] & 0xff);
    }
    return value;
  }
}
