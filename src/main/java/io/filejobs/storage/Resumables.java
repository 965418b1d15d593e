package io.filejobs.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resumable uploads' area on the uploads' file system, {@code <uploads>/.resumable/<user>/}:
 * each user's unfinished upload, which outlives its connections, a restart and a node's death.
 *
 * <ul>
 *   <li>{@code upload.json}, the record ({@code {"id","name","length","created"}}): there is one
 *       while the user has an unfinished upload, and it is made with a hard link, which fails when
 *       the name exists, so two nodes sharing the volume can never both create one for a user.
 *   <li>{@code <id>.part}, the bytes so far: its size is the upload's offset, its last change the
 *       time of its last byte. Publishing it is one rename within the file system.
 * </ul>
 *
 * <p>The area's leading dot keeps it out of every user's namespace (no stored name and no username
 * starts with a dot), so listings, exports and GETs never see it. Every call is Vert.x's async
 * {@link FileSystem}, but the sweep's listing, which has no async form.
 */
public final class Resumables {

  private static final Logger log = LoggerFactory.getLogger(Resumables.class);

  static final String AREA = ".resumable";
  static final String RECORD = "upload.json";
  static final String PART_SUFFIX = ".part";
  static final String NEW_SUFFIX = ".new";

  /** An id: 128 random bits, in hex. */
  private static final int ID_BYTES = 16;

  private static final SecureRandom random = new SecureRandom();

  private final Vertx vertx;
  private final FileSystem fs;
  private final Storage storage;
  private final Path area;

  /**
   * One user's unfinished upload as it is on disk.
   *
   * @param length the file's length, or -1 while the client has not said it (deferred length)
   * @param offset the bytes so far: the size of its partial file
   * @param lastWrite when its partial file last changed (its creation, or its last byte)
   */
  public record Upload(
      String id,
      String user,
      String name,
      long length,
      Instant created,
      long offset,
      Instant lastWrite) {

    public boolean lengthKnown() {
      return length >= 0;
    }

    /** When it expires, {@code expiry} after its last byte. */
    public Instant expiresAt(Duration expiry) {
      return lastWrite.plus(expiry);
    }

    JsonObject record() {
      return new JsonObject()
          .put("id", id)
          .put("name", name)
          .put("length", length)
          .put("created", created.toString());
    }
  }

  /** The user has an unfinished upload already: {@link #existing()}. */
  public static final class AlreadyThere extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Upload existing;

    AlreadyThere(Upload existing) {
      super("an unfinished upload exists", null, false, false);
      this.existing = existing;
    }

    /** The user's unfinished upload; null when it vanished while being read. */
    public Upload existing() {
      return existing;
    }
  }

  public Resumables(Vertx vertx, Storage storage) {
    this.vertx = vertx;
    this.fs = vertx.fileSystem();
    this.storage = storage;
    this.area = storage.uploadsDir().resolve(AREA);
  }

  Path userDir(String user) {
    return area.resolve(user);
  }

  private Path recordPath(String user) {
    return userDir(user).resolve(RECORD);
  }

  /** The partial file of {@code upload}. */
  public Path partial(Upload upload) {
    return userDir(upload.user()).resolve(upload.id() + PART_SUFFIX);
  }

  /**
   * Creates {@code user}'s unfinished upload of {@code name} ({@code length} bytes, or -1 when not
   * yet known), with an empty partial file.
   *
   * @return the new upload; fails with {@link AlreadyThere} when the user has one
   */
  public Future<Upload> create(String user, String name, long length) {
    byte[] bits = new byte[ID_BYTES];
    random.nextBytes(bits);
    String id = HexFormat.of().formatHex(bits);
    Instant now = Instant.now();
    Upload upload = new Upload(id, user, name, length, now, 0, now);
    Path dir = userDir(user);
    Path part = partial(upload);
    Path made = dir.resolve(id + NEW_SUFFIX);
    return fs.mkdirs(dir.toString())
        .compose(v -> fs.open(part.toString(), new OpenOptions().setWrite(true).setCreateNew(true)))
        .compose(file -> file.close())
        .compose(v -> fs.writeFile(made.toString(), upload.record().toBuffer()))
        .compose(v -> fs.link(recordPath(user).toString(), made.toString()))
        .transform(
            linked -> {
              Future<Void> tidy = storage.delete(made);
              if (linked.succeeded()) {
                return tidy.map(upload);
              }
              Future<Void> dropped = tidy.compose(v -> storage.delete(part));
              if (!isAlreadyThere(linked.cause())) {
                return dropped.compose(v -> Future.failedFuture(linked.cause()));
              }
              return dropped
                  .compose(v -> find(user))
                  .compose(
                      existing -> Future.failedFuture(new AlreadyThere(existing.orElse(null))));
            });
  }

  private static boolean isAlreadyThere(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof FileAlreadyExistsException
          || (t.getMessage() != null && t.getMessage().contains("File exists"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code user}'s unfinished upload, with its offset and last write read from its partial file;
   * empty when there is none. A record whose partial file is gone (a crash between the publish and
   * the record's removal, or during a removal) is removed.
   */
  public Future<Optional<Upload>> find(String user) {
    return recorded(user)
        .compose(
            recorded ->
                recorded.isEmpty()
                    ? Future.succeededFuture(Optional.empty())
                    : withOffset(recorded.get()));
  }

  /** {@code user}'s record as it is written, without its offset; empty when there is none. */
  private Future<Optional<Upload>> recorded(String user) {
    Path record = recordPath(user);
    return fs.readFile(record.toString())
        .map(Optional::of)
        .recover(
            e ->
                Storage.isNoSuchFile(e)
                    ? Future.succeededFuture(Optional.empty())
                    : Future.failedFuture(e))
        .compose(
            read -> {
              if (read.isEmpty()) {
                return Future.succeededFuture(Optional.empty());
              }
              try {
                JsonObject json = read.get().toJsonObject();
                return Future.succeededFuture(
                    Optional.of(
                        new Upload(
                            json.getString("id"),
                            user,
                            json.getString("name"),
                            json.getLong("length", -1L),
                            Instant.parse(json.getString("created")),
                            0,
                            Instant.EPOCH)));
              } catch (RuntimeException broken) {
                log.warn("{} is not a record of an upload: removed", record);
                return storage.delete(record).map(Optional.<Upload>empty());
              }
            });
  }

  private Future<Optional<Upload>> withOffset(Upload recorded) {
    return fs.lprops(partial(recorded).toString())
        .map(
            props ->
                Optional.of(
                    new Upload(
                        recorded.id(),
                        recorded.user(),
                        recorded.name(),
                        recorded.length(),
                        recorded.created(),
                        props.size(),
                        Instant.ofEpochMilli(props.lastModifiedTime()))))
        .recover(
            e -> {
              if (!Storage.isNoSuchFile(e)) {
                return Future.failedFuture(e);
              }
              log.warn(
                  "the upload {} of {} had lost its bytes: its record is removed",
                  recorded.id(),
                  recorded.user());
              return removeRecord(recorded).map(Optional.empty());
            });
  }

  /**
   * {@code user}'s unfinished upload when its id is {@code id}; empty otherwise (none, or another:
   * one user's upload is never found by another's id).
   */
  public Future<Optional<Upload>> find(String user, String id) {
    return find(user).map(found -> found.filter(u -> u.id().equals(id)));
  }

  /**
   * Every unfinished upload, for the expiry sweep; removes on the way what crashes left that no
   * record names (see {@link ResumablesWalk}).
   */
  public Future<List<Upload>> all() {
    return new ResumablesWalk(vertx, this, area).all();
  }

  /** Records the length a client declared late; the upload as it is then. */
  public Future<Upload> declareLength(Upload upload, long length) {
    Upload declared =
        new Upload(
            upload.id(),
            upload.user(),
            upload.name(),
            length,
            upload.created(),
            upload.offset(),
            upload.lastWrite());
    Path made = userDir(upload.user()).resolve(upload.id() + NEW_SUFFIX);
    return fs.writeFile(made.toString(), declared.record().toBuffer())
        .compose(
            v ->
                fs.move(
                    made.toString(),
                    recordPath(upload.user()).toString(),
                    new CopyOptions().setAtomicMove(true).setReplaceExisting(true)))
        .map(declared);
  }

  /** Cuts the partial file back to {@code offset} bytes (a request whose bytes are not kept). */
  public Future<Void> truncate(Upload upload, long offset) {
    return fs.truncate(partial(upload).toString(), offset);
  }

  /**
   * Publishes the finished upload as {@code <uploads>/<user>/<name>} (one rename, replacing an
   * older file of that name atomically), then removes its record.
   */
  public Future<Path> publish(Upload upload) {
    return storage
        .publish(partial(upload), upload.user(), upload.name())
        .compose(path -> removeRecord(upload).map(path));
  }

  /**
   * Removes the upload: its record first (the user may start another at once), then its bytes.
   * Another upload's record is left alone. Never fails (a failure is logged).
   */
  public Future<Void> remove(Upload upload) {
    return removeRecord(upload).compose(v -> storage.delete(partial(upload)));
  }

  private Future<Void> removeRecord(Upload upload) {
    return recorded(upload.user())
        .recover(e -> Future.succeededFuture(Optional.empty()))
        .compose(
            now ->
                now.isPresent() && now.get().id().equals(upload.id())
                    ? storage.delete(recordPath(upload.user()))
                    : Future.succeededFuture());
  }
}
