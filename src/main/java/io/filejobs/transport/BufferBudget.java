package io.filejobs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's budget for the bytes that transfers hold on their way between a socket and a disk, and
 * the admission control that keeps it from running out.
 *
 * <p>What it counts: an upload's gathered writes and an export's reads, which it hands out as
 * pooled direct memory (moved to and from the kernel with no extra copy, not zeroed, no garbage),
 * and the pieces of an upload's body that Vert.x copied to the heap while they wait for the disk
 * ({@link #hold}). Each transfer holds at most {@link #perTransfer()} of it; a new transfer is
 * admitted only while the budget has that much room left ({@link #admits}), so the transfers
 * already running can always finish and an overloaded node answers 503 instead of running out of
 * memory.
 *
 * <p>Two kinds of allocation: {@link #tryAllocate} may use the whole budget (an export's read,
 * without which it cannot move); {@link #tryAllocateSpare} leaves one transfer's room free (an
 * upload's gathered write, which only makes it faster: without it the upload writes its pieces as
 * they came). Neither ever falls back to the heap: a heap buffer on its way to a socket is copied
 * into unaccounted direct memory by Netty, and a heap copy per upload had run a service with {@code
 * -Xmx64m} out of memory.
 *
 * <p>Why {@code PlatformDependent} ({@code io.netty.util.internal}): it is Netty's own reading of
 * the JVM's direct-memory limit ({@code -XX:MaxDirectMemorySize}, by default the heap's size),
 * which has no public API. On a Netty upgrade (Vert.x's BOM brings it), check that {@code
 * maxDirectMemory()} is still there and still means that limit: the default budget is half of it.
 *
 * <p>Process-wide and thread-safe: every event loop draws on one budget.
 */
public final class BufferBudget {

  /** The default budget: half the JVM's direct memory, at most 256 MiB. */
  public static final long DEFAULT_BUDGET =
      Math.min(256L << 20, PlatformDependent.maxDirectMemory() / 2);

  /**
   * The default bound of one transfer, 3 MiB: an upload's two gathered writes of 1 MiB (one being
   * written, one gathering), each with room for one more socket read, and a read held while its
   * body is paused.
   */
  public static final long DEFAULT_PER_TRANSFER = 3L << 20;

  private static volatile long budget = DEFAULT_BUDGET;
  private static volatile long perTransfer = DEFAULT_PER_TRANSFER;
  private static final AtomicLong inUse = new AtomicLong();

  private BufferBudget() {}

  /**
   * Sets the budget and the per-transfer bound (from the settings, at start-up); 0 keeps a default.
   * The budget is at least one transfer's bound.
   */
  public static void configure(long budgetBytes, long perTransferBytes) {
    perTransfer = perTransferBytes > 0 ? perTransferBytes : DEFAULT_PER_TRANSFER;
    budget = Math.max(perTransfer, budgetBytes > 0 ? budgetBytes : DEFAULT_BUDGET);
  }

  /** The node's budget in bytes. */
  public static long budget() {
    return budget;
  }

  /** The most one transfer holds in buffers. */
  public static long perTransfer() {
    return perTransfer;
  }

  /** Whether a new transfer may start: the budget has one transfer's room left. */
  public static boolean admits() {
    return budget - inUse.get() >= perTransfer;
  }

  /**
   * A direct buffer of {@code initial} bytes that may grow to {@code max}, counted as {@code max};
   * null when the budget (or the JVM's direct memory) has no room. Give it back with {@link #free}.
   */
  public static ByteBuf tryAllocate(int initial, int max) {
    return allocateWithin(initial, max, budget);
  }

  /**
   * Like {@link #tryAllocate}, but only from what the budget has beyond one transfer's room: for
   * memory that only makes a transfer faster, so that a new transfer is never refused for it.
   */
  public static ByteBuf tryAllocateSpare(int initial, int max) {
    return allocateWithin(initial, max, budget - perTransfer);
  }

  private static ByteBuf allocateWithin(int initial, int max, long limit) {
    if (inUse.addAndGet(max) <= limit) {
      try {
        return PooledByteBufAllocator.DEFAULT.directBuffer(initial, max);
      } catch (OutOfMemoryError e) { // the JVM's direct memory is short (sockets use it too)
        inUse.addAndGet(-max);
        return null;
      }
    }
    inUse.addAndGet(-max);
    return null;
  }

  /** Gives back a buffer from {@link #tryAllocate} or {@link #tryAllocateSpare}. */
  public static void free(ByteBuf buffer) {
    inUse.addAndGet(-buffer.maxCapacity());
    buffer.release();
  }

  /**
   * Counts {@code bytes} that a transfer holds in memory it did not get from here (an upload's
   * pieces as Vert.x handed them on); give them back with {@link #unhold}. May pass the budget:
   * such bytes are already in memory, and the next admission sees them.
   */
  public static void hold(long bytes) {
    inUse.addAndGet(bytes);
  }

  public static void unhold(long bytes) {
    inUse.addAndGet(-bytes);
  }

  /** Bytes of the budget in use now. */
  public static long inUse() {
    return inUse.get();
  }
}
