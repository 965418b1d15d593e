package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster-wide claims of one kind of job: an entry {@code user -> node/job} in a cluster-wide
 * {@link AsyncMap} (in one process, Vert.x's local async map, which keeps the same promises).
 *
 * <p>What it guarantees:
 *
 * <ul>
 *   <li>A user holds at most one claim of a kind cluster-wide: {@link #take} is a {@code
 *       putIfAbsent}, and fails with 409 on any node while another claim is there.
 *   <li>A claim not refreshed for {@value #TTL_MS} ms is gone. The node that took it refreshes it
 *       every {@value #REFRESH_MS} ms until it {@link #letGo lets go}, so a node that dies frees
 *       its users' slots within {@value #TTL_MS} ms of its last refresh.
 *   <li>A claim is removed only through its own {@link Lease}: {@link #free} is a {@code
 *       removeIfPresent} with the lease's tag, so a finishing job never removes its successor's
 *       claim, and a refresh never puts back a claim that was let go.
 * </ul>
 */
final class ClusterClaims {

  private static final Logger log = LoggerFactory.getLogger(ClusterClaims.class);

  /** How long a claim outlives its node's last refresh. */
  static final long TTL_MS = 10_000;

  /** How often a node refreshes the claims it holds. */
  static final long REFRESH_MS = 3_000;

  private final Vertx vertx;
  private final String kind;
  private final String node;
  private final AsyncMap<String, String> map;

  /** One claim as this node holds it: its user, its tag ({@code node/job}) and its refresh. */
  static final class Lease {
    private final String user;
    private final String tag;
    private long refresh = -1;

    /** Set on the job's context; read by control requests on other threads. */
    private volatile boolean released;

    private Lease(String user, String tag) {
      this.user = user;
      this.tag = tag;
    }

    /** True once the claim is let go: its slot is free, or being freed. */
    boolean released() {
      return released;
    }
  }

  ClusterClaims(Vertx vertx, String kind, String node, AsyncMap<String, String> map) {
    this.vertx = vertx;
    this.kind = kind;
    this.node = node;
    this.map = map;
  }

  /** The node that took a claim, from its tag ({@code node/job}). */
  static String nodeOf(String tag) {
    int slash = tag.indexOf('/');
    return slash < 0 ? tag : tag.substring(0, slash);
  }

  /**
   * Claims {@code user}'s slot of this kind, cluster-wide, and keeps the claim alive. Call on the
   * job's context: the refresh timer runs there.
   *
   * @return the lease, or a {@link JobFailure} 409 when the user holds a claim of this kind
   */
  Future<Lease> take(String user) {
    Lease lease = new Lease(user, node + "/" + UUID.randomUUID());
    return map.putIfAbsent(user, lease.tag, TTL_MS)
        .compose(
            previous -> {
              if (previous != null) {
                return Future.failedFuture(
                    new JobFailure(Failure.CONFLICT, JobBus.alreadyRunning(kind)));
              }
              lease.refresh = vertx.setPeriodic(REFRESH_MS, id -> refresh(lease));
              return Future.succeededFuture(lease);
            });
  }

  private void refresh(Lease lease) {
    map.get(lease.user)
        .compose(
            holder ->
                lease.tag.equals(holder) && !lease.released
                    ? map.put(lease.user, lease.tag, TTL_MS)
                    : Future.<Void>succeededFuture())
        .onFailure(e -> log.warn("could not refresh the {} claim of {}", kind, lease.user, e));
  }

  /**
   * Marks the lease released and stops refreshing it; {@link #free} then removes the claim.
   *
   * @return false when it was let go before: there is nothing more to do
   */
  boolean letGo(Lease lease) {
    if (lease.released) {
      return false;
    }
    lease.released = true;
    vertx.cancelTimer(lease.refresh);
    return true;
  }

  /**
   * Removes the lease's claim, and only that one, whatever came after it.
   *
   * @return completes, never fails, once the claim is gone; when its removal failed twice (which
   *     Hazelcast does only while members come and go), once that is logged: the claim then expires
   *     {@value #TTL_MS} ms after its last refresh
   */
  Future<Void> free(Lease lease) {
    String user = lease.user;
    return map.removeIfPresent(user, lease.tag)
        .recover(e -> map.removeIfPresent(user, lease.tag)) // once more: members moving
        .<Void>transform(
            ar -> {
              if (ar.failed()) { // it expires TTL_MS after its last refresh
                log.warn("could not free the {} claim of {}", kind, user, ar.cause());
              }
              return Future.succeededFuture();
            });
  }

  /**
   * Removes {@code user}'s claim when it is still {@code tag}: for a claim whose node has left the
   * cluster without freeing it. Never fails (it then expires by itself).
   */
  Future<Void> evict(String user, String tag) {
    log.info("the {} claim of {} was held by a node that is gone: removed", kind, user);
    return map.removeIfPresent(user, tag).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  /** The tag of the claim {@code user} holds of this kind, or null when there is none. */
  Future<String> holder(String user) {
    return map.get(user);
  }
}
