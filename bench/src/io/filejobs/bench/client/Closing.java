package io.filejobs.bench.client;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When the client first saw its connection closed by the server (EOF, reset or broken pipe), noted
 * by the thread that saw it; a waiter sleeps until then rather than spinning, so that waiting costs
 * the machine no CPU while the service is being timed.
 */
public final class Closing {

  private final AtomicLong at = new AtomicLong();
  private final CountDownLatch seen = new CountDownLatch(1);

  void seen() {
    if (at.compareAndSet(0, System.nanoTime())) {
      seen.countDown();
    }
  }

  /** {@code System.nanoTime()} of the first sign of the close, or 0 while none was seen. */
  public long at() {
    return at.get();
  }

  /** Waits for the close; its time as {@link #at()}, or 0 if it did not come in time. */
  public long await(long timeout, TimeUnit unit) throws InterruptedException {
    seen.await(timeout, unit);
    return at();
  }
}
