package io.filejobs.storage;

import io.filejobs.storage.Resumables.Upload;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The walk over every user's unfinished upload in {@link Resumables}' area, for the expiry sweep,
 * which also removes what crashes left there: files no record names that have not changed for
 * {@link #ORPHAN_AGE} (a record half made, the bytes of an upload whose removal was cut short). The
 * listing runs on a worker: the JDK's has no async form.
 */
final class ResumablesWalk {

  private static final Logger log = LoggerFactory.getLogger(ResumablesWalk.class);

  /** What a crash may leave beside a record (a half-made record, a removed upload's bytes). */
  static final Duration ORPHAN_AGE = Duration.ofMinutes(10);

  private final Vertx vertx;
  private final Resumables resumables;
  private final Path area;

  ResumablesWalk(Vertx vertx, Resumables resumables, Path area) {
    this.vertx = vertx;
    this.resumables = resumables;
    this.area = area;
  }

  /**
   * Every unfinished upload, for the expiry sweep; removes on the way what crashes left that no
   * record names and that has not changed for {@link #ORPHAN_AGE}. Runs on a worker: the JDK's
   * listing has no async form.
   */
  Future<List<Upload>> all() {
    return vertx
        .executeBlocking(this::listUsers, false)
        .compose(
            users -> {
              List<Future<Optional<Upload>>> found = new ArrayList<>();
              for (String user : users) {
                found.add(
                    resumables.find(user).recover(e -> Future.succeededFuture(Optional.empty())));
              }
              return Future.join(found)
                  .transform(
                      v -> {
                        List<Upload> uploads = new ArrayList<>();
                        for (Future<Optional<Upload>> f : found) {
                          if (f.succeeded()) {
                            f.result().ifPresent(uploads::add);
                          }
                        }
                        return Future.succeededFuture(uploads);
                      });
            })
        .compose(uploads -> vertx.executeBlocking(() -> removeOrphans(uploads), false));
  }

  private List<String> listUsers() throws IOException {
    List<String> users = new ArrayList<>();
    if (!Files.isDirectory(area, LinkOption.NOFOLLOW_LINKS)) {
      return users;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(area)) {
      for (Path entry : entries) {
        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          users.add(entry.getFileName().toString());
        }
      }
    }
    return users;
  }

  private List<Upload> removeOrphans(List<Upload> uploads) throws IOException {
    Instant before = Instant.now().minus(ORPHAN_AGE);
    for (String user : listUsers()) {
      String kept =
          uploads.stream()
              .filter(u -> u.user().equals(user))
              .map(Upload::id)
              .findFirst()
              .orElse("");
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(resumables.userDir(user))) {
        for (Path entry : entries) {
          String name = entry.getFileName().toString();
          boolean ours =
              name.endsWith(Resumables.PART_SUFFIX) || name.endsWith(Resumables.NEW_SUFFIX);
          if (ours
              && !name.startsWith(kept.isEmpty() ? "\0" : kept + ".")
              && Files.getLastModifiedTime(entry, LinkOption.NOFOLLOW_LINKS)
                  .toInstant()
                  .isBefore(before)) {
            Files.deleteIfExists(entry);
            log.info("removed {}, left by a crash", entry);
          }
        }
      } catch (java.nio.file.NoSuchFileException gone) {
        // removed meanwhile
      }
    }
    return uploads;
  }
}
