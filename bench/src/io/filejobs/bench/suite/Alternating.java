package io.filejobs.bench.suite;

import io.filejobs.bench.peer.Peer;
import io.filejobs.bench.service.MemoryWindow;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one measurement on several peers, run after run, the peers taking turns in an order that
 * flips every run (baseline first, then service first, ...): whatever drifts during a run (page
 * cache, disk writeback, the other work on the machine) then weighs on all alike.
 *
 * <p>One unmeasured round on the first peer comes before: then every measured transfer, the very
 * first included, follows a transfer of the same size. (On this kind of machine, a virtual one,
 * writing into memory that was freed a moment ago is several times faster than into memory the host
 * has taken back: without that round the first run's first peer would be alone to pay.)
 */
final class Alternating {

  /** One timed measurement: bytes moved in {@code nanos}, and the server's memory if watched. */
  record Sample(long nanos, long bytes, MemoryWindow.Peaks peaks) {}

  /** What is measured on one peer in one run. */
  @FunctionalInterface
  interface Step {
    Sample run(Peer peer) throws Exception;
  }

  private Alternating() {}

  /** The samples of each peer, run by run; {@code before} runs before each measurement. */
  static Map<Peer, List<Sample>> measure(List<Peer> peers, int runs, Runnable before, Step step)
      throws Exception {
    Map<Peer, List<Sample>> samples = new LinkedHashMap<>();
    peers.forEach(peer -> samples.put(peer, new ArrayList<>()));
    before.run();
    step.run(peers.get(0));
    for (int run = 0; run < runs; run++) {
      List<Peer> order = new ArrayList<>(peers);
      if (run % 2 == 1) {
        Collections.reverse(order);
      }
      for (Peer peer : order) {
        before.run();
        samples.get(peer).add(step.run(peer));
      }
    }
    return samples;
  }
}
