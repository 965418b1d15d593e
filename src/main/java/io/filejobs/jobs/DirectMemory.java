package io.filejobs.jobs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.internal.PlatformDependent;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pooled direct memory for file bytes on their way between a socket and a disk (an upload's
 * gathered writes, an export's reads), within one budget per process; beyond it, heap.
 *
 * <p>Direct memory moves to and from the kernel with no extra copy, is not zeroed, and makes no
 * garbage. But it is capped (by default at the heap's size: 64 MiB under {@code -Xmx64m}) and the
 * sockets need it too, so transfers may hold at most {@link #BUDGET} of it at once; past that
 * an export reads into heap buffers (slower, never failing), and an upload stops gathering (it
 * writes its pieces as they came, which costs no memory of its own).
 */
public final class DirectMemory {

  /** What transfers may hold at once: 32 MiB, or half the JVM's direct memory if that is less. */
  public static final long BUDGET = Math.min(32L << 20, PlatformDependent.maxDirectMemory() / 2);

  private static final AtomicLong inUse = new AtomicLong();

  private DirectMemory() {}

  /**
   * A buffer of {@code initial} bytes that may grow to {@code max}: direct and pooled when the
   * budget has room for {@code max} more (and the JVM has the memory), else on the heap. Give it back
   * with {@link #free}.
   */
  public static ByteBuf allocate(int initial, int max) {
    ByteBuf direct = tryAllocate(initial, max);
    return direct != null ? direct : Unpooled.buffer(initial, max);
  }

  /**
   * Like {@link #allocate}, but null instead of a heap buffer when the budget (or the JVM's direct
   * memory) has no room: for a caller that can do without one rather than hold heap.
   */
  public static ByteBuf tryAllocate(int initial, int max) {
    if (inUse.addAndGet(max) <= BUDGET) {
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

  /** Gives back a buffer from {@link #allocate} or {@link #tryAllocate}, and its share of the budget. */
  public static void free(ByteBuf buffer) {
    if (buffer.isDirect()) {
      inUse.addAndGet(-buffer.maxCapacity());
    }
    buffer.release();
  }

  /** Bytes of the budget in use now. */
  public static long inUse() {
    return inUse.get();
  }
}
