package io.filejobs.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only code that builds a path: each user's folder {@code <uploads>/<user>/}, the temp files of
 * uploads in progress, the staging area (whose start-up sweep is {@link Staging}'s), and the atomic
 * publish of a finished upload.
 *
 * <p>Thread-safe and stateless apart from its two folders; every file-system call is Vert.x's async
 * {@link FileSystem}.
 */
public final class Storage {

  private static final Logger log = LoggerFactory.getLogger(Storage.class);

  /** Uploads in progress end with this; nothing else in the temp folder is ours. */
  static final String PART_SUFFIX = ".part";

  /**
   * Inside the uploads folder, on its file system: where a finished upload is copied when the temp
   * folder sits on another file system, so that the final rename stays atomic. Each node copies
   * into a folder of its own there ({@link Staging#take}). Its leading dot keeps it out of every
   * user's namespace (no stored name starts with a dot).
   */
  static final String STAGING = ".staging";

  private final Vertx vertx;
  private final FileSystem fs;
  private final Path uploads;
  private final Path temp;
  private final Path staging;

  /** Storage that never publishes across file systems (one that has to fails). */
  public Storage(Vertx vertx, String uploadsDir, String tempDir) {
    this(vertx, uploadsDir, tempDir, null);
  }

  /**
   * Storage whose uploads in progress live in {@code tempDir} and whose finished uploads are copied
   * into {@code stagingDir} (this node's folder from {@link Staging#take}) to be published when
   * {@code tempDir} is on another file system than {@code uploadsDir}.
   */
  public Storage(Vertx vertx, String uploadsDir, String tempDir, Path stagingDir) {
    this.vertx = vertx;
    this.fs = vertx.fileSystem();
    this.uploads = absolute(uploadsDir);
    this.temp = absolute(tempDir);
    this.staging = stagingDir;
  }

  /** The staging area of the uploads folder {@code uploadsDir}: {@code <uploads>/.staging/}. */
  static Path stagingArea(String uploadsDir) {
    return absolute(uploadsDir).resolve(STAGING);
  }

  private static Path absolute(String dir) {
    return Path.of(dir).toAbsolutePath().normalize();
  }

  /**
   * Creates the uploads and temp folders if they are missing, and warns when they sit on two file
   * systems (each upload is then copied once more when published, and a temp folder on tmpfs holds
   * uploads in memory).
   */
  public Future<Void> init() {
    return fs.mkdirs(uploads.toString())
        .compose(v -> fs.mkdirs(temp.toString()))
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> Files.getFileStore(uploads).equals(Files.getFileStore(temp))))
        .map(
            sameFileSystem -> {
              if (!sameFileSystem) {
                log.warn(
                    "the temp folder {} is on another file system than {}: each upload is copied"
                        + " once more to be published; set FILEJOBS_TEMP_DIR to a folder on the"
                        + " uploads' file system",
                    temp,
                    uploads);
              }
              return null;
            });
  }

  public Path uploadsDir() {
    return uploads;
  }

  public Path tempDir() {
    return temp;
  }

  /** A fresh, unused path for an upload in progress. */
  public Path newTempFile() {
    return temp.resolve(UUID.randomUUID() + PART_SUFFIX);
  }

  /**
   * The stored file {@code name} of {@code user}, ready to be opened: {@code name} is a plain file
   * name (see {@link FileNames#check}), and neither the user's folder nor the file is a symbolic
   * link (a link planted in {@code Uploads/} must not reach outside it). Fails with {@link
   * NoSuchFileException} otherwise, so a caller answers "no such file" either way.
   */
  public Future<Path> storedFile(String user, String name) {
    Optional<String> plain = FileNames.check(name);
    if (plain.isEmpty()) {
      return Future.failedFuture(new NoSuchFileException(name));
    }
    Path dir = userDir(user);
    Path file = dir.resolve(plain.get());
    return fs.lprops(dir.toString())
        .compose(
            d ->
                d.isDirectory() && !d.isSymbolicLink()
                    ? fs.lprops(file.toString())
                    : Future.failedFuture(new NoSuchFileException(name)))
        .compose(
            f ->
                f.isRegularFile() && !f.isSymbolicLink()
                    ? Future.succeededFuture(file)
                    : Future.failedFuture(new NoSuchFileException(name)));
  }

  /**
   * The user's stored files, by name: {@code [{"name","size","modified","etag"}]} with {@code
   * modified} in ISO-8601 and {@code etag} as {@link #etag} makes it. Only regular files count,
   * never a symbolic link; a user with no folder yet (or a folder that is a link) has none.
   *
   * <p>Runs on a worker: Vert.x's {@code readDir} returns canonical paths, which resolve links and
   * so hide what an entry is, and the JDK's listing has no async form.
   */
  public Future<JsonArray> list(String user) {
    Path dir = userDir(user);
    return vertx.executeBlocking(
        () -> {
          List<JsonObject> files = new ArrayList<>();
          if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return new JsonArray();
          }
          try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
              String name = entry.getFileName().toString();
              if (FileNames.check(name).isEmpty()) {
                continue;
              }
              BasicFileAttributes attributes;
              try {
                attributes =
                    Files.readAttributes(
                        entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
              } catch (NoSuchFileException vanished) {
                continue;
              }
              if (attributes.isRegularFile()) {
                files.add(
                    new JsonObject()
                        .put("name", name)
                        .put("size", attributes.size())
                        .put("modified", attributes.lastModifiedTime().toInstant().toString())
                        .put("etag", etag(attributes)));
              }
            }
          }
          files.sort(Comparator.comparing(f -> f.getString("name")));
          return new JsonArray(new ArrayList<Object>(files));
        },
        false);
  }

  /**
   * The strong entity tag of a stored file as it is now: its size and its last change to the
   * nanosecond. A publish is a rename of a file written since, so a replaced file never keeps the
   * tag of the one it replaced.
   */
  public static String etag(BasicFileAttributes attributes) {
    return "\""
        + Long.toHexString(attributes.size())
        + "-"
        + Long.toHexString(
            attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS))
        + "\"";
  }

  private Path userDir(String user) {
    return uploads.resolve(user);
  }

  /**
   * Publishes a finished upload as {@code <uploads>/<user>/<name>}: a rename within one file
   * system, which replaces an older file of that name atomically, so a reader sees the old file or
   * the new one, never a part. When the temp folder is on another file system, the file is first
   * copied into this node's staging folder beside the users' folders and renamed from there.
   *
   * @return the published path
   */
  public Future<Path> publish(Path tempFile, String user, String name) {
    Path target = userDir(user).resolve(name);
    return fs.mkdirs(target.getParent().toString())
        .compose(v -> fs.lprops(target.getParent().toString()))
        .compose(
            dir ->
                dir.isSymbolicLink()
                    ? Future.failedFuture(
                        new IllegalStateException(user + "'s folder is a symbolic link"))
                    : atomicMove(tempFile, target))
        .recover(
            e -> {
              if (!crossesFileSystems(e) || staging == null) {
                return Future.failedFuture(e);
              }
              Path staged = staging.resolve(tempFile.getFileName());
              log.debug("temp folder is on another file system; staging {} via {}", name, staged);
              return fs.mkdirs(staged.getParent().toString())
                  .compose(v -> fs.copy(tempFile.toString(), staged.toString()))
                  .compose(v -> atomicMove(staged, target))
                  .onFailure(err -> delete(staged))
                  .compose(v -> delete(tempFile)); // published: a stale temp file is no failure
            })
        .map(target);
  }

  private Future<Void> atomicMove(Path from, Path to) {
    return fs.move(
        from.toString(),
        to.toString(),
        new CopyOptions().setAtomicMove(true).setReplaceExisting(true));
  }

  private static boolean crossesFileSystems(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AtomicMoveNotSupportedException) {
        return true;
      }
      if (t instanceof FileSystemException
          && t.getMessage() != null
          && t.getMessage().contains("cross-device")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Removes the stored file {@code name} of {@code user}: its name goes at once, and a reader that
   * opened it reads on to its end (an open file outlives its name). Fails with {@link
   * NoSuchFileException} when there is no such file (as {@link #storedFile} finds them).
   */
  public Future<Void> remove(String user, String name) {
    return storedFile(user, name).compose(file -> fs.delete(file.toString()));
  }

  /** Deletes a file if it exists; never fails (the failure is logged). */
  public Future<Void> delete(Path file) {
    return fs.delete(file.toString())
        .recover(
            e -> {
              if (isNoSuchFile(e)) {
                return Future.succeededFuture();
              }
              log.warn("could not delete {}", file, e);
              return Future.succeededFuture();
            });
  }

  /**
   * True when {@code e} says the disk has no room: the file system is full (ENOSPC), the owner's
   * quota is used up (EDQUOT), or the file would pass the largest size allowed (EFBIG).
   */
  public static boolean isOutOfSpace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null
          && (message.contains("No space left on device")
              || message.contains("Disk quota exceeded")
              || message.contains("File too large"))) {
        return true;
      }
    }
    return false;
  }

  /** True when {@code e} says a file was not there. */
  public static boolean isNoSuchFile(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof NoSuchFileException) {
        return true;
      }
    }
    return false;
  }
}
