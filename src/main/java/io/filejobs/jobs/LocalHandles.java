package io.filejobs.jobs;

import io.filejobs.jobs.JobRegistry.Claim;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * This node's jobs of one kind: each job's handle ({@code user -> }{@link Job}) in the node's
 * shared {@link LocalMap}, where the node's control requests find it, and the claims the jobs hold,
 * whatever context each job runs on.
 *
 * <p>What it guarantees:
 *
 * <ul>
 *   <li>A handle is in the local map only while its job holds its claim: it goes in after the claim
 *       is taken ({@link #add}) and out, when the job lets go, before the claim is freed ({@link
 *       #remove}). So a handle found here is a job that holds its user's slot, and no claim or bus
 *       needs asking.
 *   <li>A claim is {@link #held} from the moment it is {@link #add added} until its slot is free
 *       cluster-wide and its job's cleanup is done ({@link #settle}).
 *   <li>{@link #freed} and {@link #freedReleased} complete only once the slots they wait for are
 *       free (at once when there are none), so an answer sent then finds no trace of those jobs.
 * </ul>
 */
final class LocalHandles {

  private final LocalMap<String, Job> map;

  /** The claims this node's jobs hold now, on whatever context each job runs. */
  private final Set<Claim> held = ConcurrentHashMap.newKeySet();

  LocalHandles(Vertx vertx, String kind) {
    this.map = vertx.sharedData().getLocalMap(JobBus.handlesMap(kind));
  }

  /** Puts the handle of {@code claim}'s job in the map, for a claim just taken. */
  void add(Claim claim) {
    map.put(claim.job.user(), claim.job);
    held.add(claim);
  }

  /** The job {@code user} runs on this node, or null. */
  Job get(String user) {
    return map.get(user);
  }

  /** Takes the handle of {@code claim}'s job out of the map: that job's, never a successor's. */
  void remove(Claim claim) {
    map.removeIfPresent(claim.job.user(), claim.job);
  }

  /**
   * Completes {@code claim}'s freed promise with {@code freeing}, and forgets the claim once both
   * {@code freeing} and {@code cleanup} are done.
   */
  void settle(Claim claim, Future<Void> freeing, Future<?> cleanup) {
    freeing.onComplete(claim.freed);
    Future.join(freeing, cleanup)
        .onComplete(
            v -> {
              held.remove(claim);
              claim.gone.complete();
            });
  }

  /** Completes once {@code job}'s slot is free: at once when it holds none. */
  Future<Void> freed(Job job) {
    return freedWhere(c -> c.job == job);
  }

  /** Completes once the slots {@code user}'s jobs here are freeing are free. */
  Future<Void> freedReleased(String user) {
    return freedWhere(c -> c.released() && c.job.user().equals(user));
  }

  private Future<Void> freedWhere(Predicate<Claim> which) {
    List<Future<Void>> freeing = held.stream().filter(which).map(c -> c.freed.future()).toList();
    return freeing.isEmpty() ? Future.succeededFuture() : Future.join(freeing).mapEmpty();
  }

  /** The claims held now. */
  List<Claim> held() {
    return List.copyOf(held);
  }
}
