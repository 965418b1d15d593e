package io.filejobs.bench.suite;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** Runs n tasks at once, each on its own thread, released together; times the whole. */
final class Concurrently {

  /** The tasks' results, in order, and the time from their release to the last one's end. */
  record Outcome<T>(List<T> results, long nanos) {}

  private Concurrently() {}

  static <T> Outcome<T> run(int n, IntFunction<Callable<T>> task) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch ready = new CountDownLatch(n);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Callable<T> work = task.apply(i);
        futures.add(
            threads.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  return work.call();
                }));
      }
      ready.await();
      long start = System.nanoTime();
      go.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> future : futures) {
        results.add(future.get());
      }
      return new Outcome<>(results, System.nanoTime() - start);
    } finally {
      threads.shutdownNow();
    }
  }
}
