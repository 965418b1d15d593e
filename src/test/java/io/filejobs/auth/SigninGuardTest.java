package io.filejobs.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The lockout table's own rules, on a small table and a clock the test moves (SigninFloodTest
 * floods the service's real table through HTTP).
 */
class SigninGuardTest {

  private static final long LOCKOUT = 60_000;
  private static final int SETS = 4; // 32 slots

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final SigninGuard guard = new SigninGuard(5, LOCKOUT, clock::get, SETS);

  private static String longName(int i) {
    String number = Integer.toString(i);
    return "n".repeat(255 - number.length()) + number;
  }

  @Test
  @DisplayName(
      "however many names fail, the table holds at most its slots, in bytes fixed at the start")
  void boundedByConstruction() {
    assertEquals(SETS * SigninGuard.WAYS, guard.slots());
    assertEquals(guard.slots() * 36L, guard.tableBytes());
    for (int i = 0; i < 20_000; i++) {
      guard.failed(longName(i), "10.0." + (i / 250) + "." + (i % 250));
      clock.addAndGet(1);
    }
    assertTrue(guard.entries() <= guard.slots(), guard.entries() + " entries");
    assertEquals(guard.slots() * 36L, guard.tableBytes());
    assertEquals(
        (long) SigninGuard.SETS * SigninGuard.WAYS * SigninGuard.SLOT_BYTES,
        new SigninGuard(5, 60).tableBytes(),
        "the service's table");
    assertEquals(576 * 1024, new SigninGuard(5, 60).tableBytes());
  }

  @Test
  @DisplayName("a locked-out username stays locked out through a flood of new names")
  void lockoutSurvivesFlood() {
    for (int i = 0; i < 5; i++) {
      guard.failed("victim", "10.1.1.1");
    }
    assertTrue(guard.retryAfterMillis("victim", "10.9.9.9") > 0);
    for (int i = 0; i < 20_000; i++) {
      guard.failed(longName(i), "10.0." + (i / 250) + "." + (i % 250));
    }
    assertEquals(LOCKOUT, guard.retryAfterMillis("victim", "10.9.9.9"));
    clock.addAndGet(LOCKOUT);
    assertEquals(0, guard.retryAfterMillis("victim", "10.9.9.9"));
  }

  @Test
  @DisplayName("a username's failures outlast a flood of names that failed less often")
  void failuresSurviveFlood() {
    for (int i = 0; i < 4; i++) {
      guard.failed("victim", "10.1.1." + i);
    }
    for (int i = 0; i < 20_000; i++) {
      guard.failed(longName(i), "10.0." + (i / 250) + "." + (i % 250));
    }
    assertEquals(0, guard.retryAfterMillis("victim", "10.9.9.9"));
    guard.failed("victim", "10.1.1.9");
    assertEquals(LOCKOUT, guard.retryAfterMillis("victim", "10.9.9.9"), "the fifth failure locks");
  }

  @Test
  @DisplayName("names whose period has passed give way first; a sign-in clears a username")
  void stale() {
    for (int i = 0; i < 4; i++) {
      guard.failed("victim", "10.1.1.1");
    }
    clock.addAndGet(LOCKOUT + 1);
    for (int i = 0; i < 200; i++) {
      guard.failed(longName(i), "10.1.1.1");
      clock.addAndGet(1);
    }
    guard.failed("victim", "10.2.2.2");
    assertEquals(
        0, guard.retryAfterMillis("victim", "10.9.9.9"), "the old failures were forgotten");
    guard.succeeded("victim");
    for (int i = 0; i < 4; i++) {
      guard.failed("victim", "10.3.3." + i);
    }
    assertEquals(0, guard.retryAfterMillis("victim", "10.9.9.9"), "the success cleared the count");
  }

  @Test
  @DisplayName(
      "an address is locked out after four times the username limit, whatever usernames it tries")
  void addressLimit() {
    for (int i = 0; i < 19; i++) {
      guard.failed(longName(i), "10.4.4.4");
    }
    assertEquals(0, guard.retryAfterMillis("someone", "10.4.4.4"));
    guard.failed(longName(19), "10.4.4.4");
    assertEquals(LOCKOUT, guard.retryAfterMillis("someone", "10.4.4.4"));
    assertEquals(0, guard.retryAfterMillis("someone", "10.4.4.5"));
  }
}
