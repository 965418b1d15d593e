package io.filejobs.upload;

import io.filejobs.jobs.Failure;
import io.filejobs.jobs.JobBus;
import io.filejobs.jobs.JobFailure;
import io.filejobs.jobs.Outcome;
import io.filejobs.storage.Storage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An upload that lives as long as its request (multipart): a fresh file in this node's temp folder,
 * published into {@code Uploads/<user>/} once the whole request has arrived, removed on any other
 * end.
 */
final class TempFile implements Destination {

  private final Vertx vertx;
  private final Storage storage;
  private final String user;
  private final long maxBytes;
  private final Function<Long, JsonObject> summary;
  private final Supplier<Future<Void>> admit;
  private Path path;

  /**
   * @param summary the job's result for a stored file of that many bytes
   * @param admit what must hold before the file is made (no unfinished resumable upload): a {@link
   *     JobFailure} refuses the upload
   */
  TempFile(
      Vertx vertx,
      Storage storage,
      String user,
      long maxBytes,
      Function<Long, JsonObject> summary,
      Supplier<Future<Void>> admit) {
    this.admit = admit;
    this.vertx = vertx;
    this.storage = storage;
    this.user = user;
    this.maxBytes = maxBytes;
    this.summary = summary;
  }

  @Override
  public Future<AsyncFile> open() {
    return admit
        .get()
        .compose(
            v -> {
              path = storage.newTempFile();
              return vertx
                  .fileSystem()
                  .open(path.toString(), new OpenOptions().setWrite(true).setCreateNew(true));
            });
  }

  @Override
  public String name() {
    return null; // the form's part names it
  }

  @Override
  public long offset() {
    return 0;
  }

  @Override
  public long room() {
    return maxBytes;
  }

  @Override
  public JobFailure tooMuch() {
    return new JobFailure(
        Failure.PAYLOAD_TOO_LARGE, "the file is larger than the limit of " + maxBytes + " bytes");
  }

  @Override
  public Future<Outcome> finish(String filename, long bytes) {
    return storage
        .storedFile(user, filename)
        .map(true)
        .recover(e -> Future.succeededFuture(false))
        .compose(
            existed ->
                storage
                    .publish(path, user, filename)
                    .map(
                        published ->
                            new Outcome.Completed(
                                summary.apply(bytes).put(JobBus.REPLACED, existed))));
  }

  @Override
  public boolean keeps(JobFailure why) {
    return false;
  }

  @Override
  public Future<Void> abandon(JobFailure why) {
    return path == null ? Future.succeededFuture() : storage.delete(path);
  }
}
