package io.filejobs.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The staging area in the uploads folder ({@link Storage#stagingArea}), where a node copies a
 * finished upload before the rename that publishes it when its temp folder is on another file
 * system: this node takes its own folder there at start-up, after removing what crashes left.
 *
 * <p>Why a class apart from {@link Storage}: the start-up sweep runs once, before the node's {@code
 * Storage} exists (its constructor takes the folder taken here), and it has to know how older
 * builds staged their copies, which nothing else does. {@code Storage} still names the area and
 * writes into this node's folder; the sweep's blocking file-system work runs on a worker.
 */
public final class Staging {

  private static final Logger log = LoggerFactory.getLogger(Staging.class);

  /** What the staging area's node folders hold, as the start-up sweep reports it. */
  static final String STAGED_COPIES = "staged copies of uploads being published";

  /**
   * Builds before node folders staged their copies straight in {@code .staging/}; a copy there that
   * has not been written to for this long was left by a crash (a copy under way is written to all
   * the time, and renamed as soon as it is whole).
   */
  static final Duration LOOSE_STAGED_AGE = Duration.ofHours(1);

  private Staging() {}

  /**
   * Takes this node's folder in {@code <uploads>/.staging/}, after removing what crashes left
   * there: the folders of dead nodes (see {@link NodeTempDir}) and, from builds before those
   * folders, loose {@code *.part} copies not written to for {@link #LOOSE_STAGED_AGE}. A live
   * node's copies are never touched. The node removes its folder on a clean stop.
   */
  public static Future<NodeTempDir> take(Vertx vertx, String uploadsDir) {
    Path root = Storage.stagingArea(uploadsDir);
    return vertx
        .executeBlocking(() -> removeLooseStaged(root), false)
        .compose(v -> NodeTempDir.take(vertx, root, STAGED_COPIES));
  }

  private static Void removeLooseStaged(Path root) throws IOException {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    Instant before = Instant.now().minus(LOOSE_STAGED_AGE);
    int removed = 0;
    try (DirectoryStream<Path> entries =
        Files.newDirectoryStream(root, "*" + Storage.PART_SUFFIX)) {
      for (Path entry : entries) {
        BasicFileAttributes attributes;
        try {
          attributes =
              Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
          continue;
        }
        if (attributes.isRegularFile()
            && attributes.lastModifiedTime().toInstant().isBefore(before)
            && Files.deleteIfExists(entry)) {
          removed++;
        }
      }
    }
    if (removed > 0) {
      log.info(
          "removed {} staged copies older than {} left by an earlier version in {}",
          removed,
          LOOSE_STAGED_AGE,
          root);
    }
    return null;
  }
}
