package io.filejobs.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's own folder inside a folder that nodes may share, {@code <shared>/node-<uuid>/}, held
 * by an OS file lock on its {@code .lock} file for as long as the node runs. A node has two: in the
 * temp folder, where its uploads in progress live, and in {@code Uploads/.staging/}, where it
 * copies a finished upload before the rename that publishes it when the temp folder is on another
 * file system ({@link Staging#take}).
 *
 * <p>At start-up a node removes every {@code node-*} folder whose lock nobody holds: the files of
 * nodes that died (SIGKILL, power loss), since the OS drops a dead process's locks. A live node's
 * folder is never touched, so nodes may share one temp folder or one {@code Uploads/} volume (its
 * file system must show every node's locks to every other: NFSv4 does, an NFS mount with {@code
 * nolock} does not), and nothing else in the shared folder is ever removed. The sweep and the
 * taking of a new folder happen under one lock on {@code <shared>/.sweep.lock}, so a starting node
 * can not sweep a folder another node is creating.
 *
 * <p>Everything here is blocking file-system work and runs on a worker.
 */
public final class NodeTempDir {

  private static final Logger log = LoggerFactory.getLogger(NodeTempDir.class);

  static final String PREFIX = "node-";
  static final String LOCK = ".lock";
  static final String SWEEP_LOCK = ".sweep.lock";

  /** What the temp folder's node folders hold, as the start-up sweep reports it. */
  static final String UPLOADS_IN_PROGRESS = "temp file(s) of unfinished uploads";

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private NodeTempDir(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  /** The folder this node's files go in. */
  public Path path() {
    return dir;
  }

  /**
   * Removes the folders of dead nodes under {@code temp}, then makes and locks this node's own
   * there, for its uploads in progress.
   */
  public static Future<NodeTempDir> take(Vertx vertx, Path temp) {
    return take(vertx, temp, UPLOADS_IN_PROGRESS);
  }

  /**
   * Removes the folders of dead nodes under {@code shared}, logging how many files they held
   * ({@code leftovers} names them), then makes and locks this node's own there.
   */
  static Future<NodeTempDir> take(Vertx vertx, Path shared, String leftovers) {
    return vertx.executeBlocking(
        () -> takeBlocking(shared.toAbsolutePath().normalize(), leftovers), false);
  }

  // One JVM may run several nodes (tests do): the JVM holds file locks for the whole process,
  // so its threads must take turns on the sweep lock themselves. The sweep lock is held for the
  // whole block and never referenced in it: hence "try".
  @SuppressWarnings("try")
  private static synchronized NodeTempDir takeBlocking(Path temp, String leftovers)
      throws IOException {
    Files.createDirectories(temp);
    try (FileChannel sweep =
            FileChannel.open(
                temp.resolve(SWEEP_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock sweeping = sweep.lock()) {
      sweepDeadNodes(temp, leftovers);
      Path dir = temp.resolve(PREFIX + UUID.randomUUID());
      Files.createDirectory(dir);
      FileChannel channel =
          FileChannel.open(
              dir.resolve(LOCK), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        return new NodeTempDir(dir, channel, channel.lock());
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }
  }

  private static void sweepDeadNodes(Path temp, String leftovers) throws IOException {
    int folders = 0;
    long files = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(temp, PREFIX + "*")) {
      for (Path node : entries) {
        if (!Files.isDirectory(node, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        long removed = removeIfDead(node);
        if (removed >= 0) {
          folders++;
          files += removed;
        }
      }
    }
    if (folders > 0) {
      log.info("removed {} {} left by {} stopped node(s) in {}", files, leftovers, folders, temp);
    }
  }

  /** Removes {@code node} if no live node holds its lock; returns the files removed, or -1. */
  private static long removeIfDead(Path node) throws IOException {
    try (FileChannel channel =
        FileChannel.open(node.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock held;
      try {
        held = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        return -1; // a node of this very JVM holds it
      }
      if (held == null) {
        return -1; // another live process holds it
      }
      return deleteTree(node, LOCK);
    }
  }

  /**
   * Deletes the folder and everything in it; returns how many files it held other than one named
   * {@code uncounted}.
   */
  private static long deleteTree(Path root, String uncounted) throws IOException {
    long[] files = {0};
    try (Stream<Path> tree = Files.walk(root)) {
      for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(root) && !p.getFileName().toString().equals(uncounted)) {
          files[0] += Files.isDirectory(p) ? 0 : 1;
        }
        try {
          Files.delete(p);
        } catch (NoSuchFileException gone) {
          // removed meanwhile
        }
      }
    }
    return files[0];
  }

  /**
   * On a clean stop: removes this node's folder (and whatever file is still in it) and lets go of
   * its lock. Never fails; a failure is logged.
   */
  public Future<Void> remove(Vertx vertx) {
    return vertx
        .<Void>executeBlocking(
            () -> {
              try {
                long left = deleteTree(dir, LOCK);
                if (left > 0) {
                  log.warn("removed {} file(s) left in {} at stop", left, dir);
                }
              } finally {
                lock.release();
                channel.close();
              }
              return null;
            },
            false)
        .recover(
            e -> {
              log.warn("could not remove the node's folder {}", dir, e);
              return Future.succeededFuture();
            });
  }
}
