package io.filejobs.auth;

import io.filejobs.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileProps;
import io.vertx.core.file.FileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users of the users file as it is now: read at start (a file that cannot be read or parsed
 * then stops the start), then checked every {@code auth.usersReloadSeconds}, so that a user removed
 * or a password changed takes effect within seconds, without a restart.
 *
 * <p>Each check asks for the file's modification time and size (through the async file system);
 * when either changed, or the file changed so recently that its time may not have moved yet, it
 * reads the file, and parses it when its bytes differ from the last read. A file that cannot be
 * read or parsed leaves the previous users in place, and the problem is logged once, naming the
 * file and what is wrong (never its content). Users who are no longer in the file are handed to the
 * listener given to {@link #onRemoved}.
 *
 * <p>The HTTP instances of every event loop read {@link #get()}; the checks run on this verticle's
 * own context, and its timer ends with it.
 */
public final class UsersFile extends VerticleBase implements Supplier<Users> {

  private static final Logger log = LoggerFactory.getLogger(UsersFile.class);

  /**
   * A file modified less than this before a read began may change again without its time moving
   * (some file systems keep times to 1 or 2 s; Vert.x gives milliseconds): it is read again at the
   * next check.
   */
  static final long SETTLE_MILLIS = 2_000;

  private volatile Users users;
  private volatile Consumer<Set<String>> onRemoved = removed -> {};

  // The checks' own state, on this verticle's context only.
  private String path;
  private FileSystem fs;
  private long timer = -1;
  private boolean checking;
  private long seenModified;
  private long seenSize;
  private boolean settled;
  private Buffer seenBytes;

  /** Whether the file's being unreadable has been logged since it was last read. */
  private boolean unreadableSaid;

  /** The users as the file last held them (null before the start). */
  @Override
  public Users get() {
    return users;
  }

  /** Calls {@code listener} with the names of the users a new version of the file removed. */
  public UsersFile onRemoved(Consumer<Set<String>> listener) {
    onRemoved = listener;
    return this;
  }

  @Override
  public Future<?> start() {
    Settings settings = Settings.fromJson(config());
    path = settings.usersFile();
    fs = vertx.fileSystem();
    return fs.props(path)
        .compose(this::read)
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof IllegalArgumentException
                        ? e
                        : new IllegalArgumentException(
                            "cannot read the users file " + path + " (" + reason(e) + ")", null)))
        .onSuccess(
            first -> {
              users = first;
              timer = vertx.setPeriodic(settings.usersReloadSeconds() * 1000, id -> check());
            });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** One check: a new version of the file replaces the users; a bad one is logged and ignored. */
  private void check() {
    if (checking) {
      return; // the file system is slow: the check under way will do
    }
    checking = true;
    fs.props(path)
        .compose(
            props ->
                props.lastModifiedTime() == seenModified && props.size() == seenSize && settled
                    ? Future.<Users>succeededFuture()
                    : read(props))
        .onSuccess(this::replace)
        .onFailure(this::problem)
        .onComplete(v -> checking = false);
  }

  /**
   * The users the file holds now, or null when its bytes are those read last time; {@code props}
   * were asked for just before.
   */
  private Future<Users> read(FileProps props) {
    long readAt = System.currentTimeMillis();
    return fs.readFile(path)
        .map(
            bytes -> {
              seenModified = props.lastModifiedTime();
              seenSize = props.size();
              settled = readAt - seenModified > SETTLE_MILLIS;
              if (bytes.equals(seenBytes)) {
                return null;
              }
              seenBytes = bytes; // a version that does not parse is said once, not at each check
              return Users.parse(path, bytes.toString(StandardCharsets.UTF_8));
            });
  }

  /** Puts {@code next} in place, unless it is null (no new version) or the same users. */
  private void replace(Users next) {
    unreadableSaid = false;
    if (next == null || next.sameAs(users)) {
      return;
    }
    Set<String> removed = new TreeSet<>(users.usernames());
    removed.removeAll(next.usernames());
    users = next;
    log.info(
        "read the users file {} again: {} users{}",
        path,
        next.usernames().size(),
        removed.isEmpty() ? "" : "; removed " + removed);
    if (!removed.isEmpty()) {
      onRemoved.accept(removed);
    }
  }

  private void problem(Throwable e) {
    int count = users.usernames().size();
    if (e instanceof IllegalArgumentException) {
      // Users.parse names the file and what is wrong, and quotes none of it.
      log.error("{}: keeping the {} users read before", e.getMessage(), count);
    } else if (!unreadableSaid) {
      unreadableSaid = true;
      log.error(
          "cannot read the users file {} ({}): keeping the {} users read before",
          path,
          reason(e),
          count);
    }
  }

  /** Why a file cannot be read, in words (Vert.x says "Unable to analyse file" for all). */
  private static String reason(Throwable e) {
    Throwable last = e;
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof NoSuchFileException) {
        return "it does not exist";
      }
      if (cause instanceof AccessDeniedException) {
        return "permission denied";
      }
      last = cause;
    }
    return String.valueOf(last.getMessage());
  }
}
