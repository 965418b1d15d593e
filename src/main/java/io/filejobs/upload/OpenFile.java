package io.filejobs.upload;

import io.filejobs.transport.BufferBudget;
import io.filejobs.transport.SocketReads;
import io.vertx.core.Future;
import io.vertx.core.file.AsyncFile;

/**
 * The file an upload writes, once its {@link Destination} opened it, with the {@link
 * GatheringWriter} that gathers the request's bytes into it: closed once, whichever way the job
 * ends (every byte written, kept as far as it came, or dropped).
 */
final class OpenFile {

  /**
   * Bytes an upload may have in flight to its file and gathered for the next write before the
   * socket is no longer read ({@link GatheringWriter}): enough that the socket keeps delivering
   * while the worker pool writes, little enough to keep memory flat.
   */
  static final int WRITE_QUEUE_BYTES = 1024 * 1024;

  private AsyncFile file;
  private GatheringWriter writer;

  OpenFile(AsyncFile file) {
    this.file = file;
  }

  /**
   * {@link #WRITE_QUEUE_BYTES}, or less where the per-transfer bound ({@link
   * BufferBudget#perTransfer}) asks: an upload counts two gathered buffers (one being written, one
   * gathering), each of this size and a socket read more, and holds up to a read besides while its
   * body is paused.
   */
  private static int writeQueueBytes() {
    long room = (BufferBudget.perTransfer() - 3L * SocketReads.MAX_READ) / 2;
    return (int) Math.max(64 * 1024, Math.min(WRITE_QUEUE_BYTES, room));
  }

  /** The writer the request's bytes go into. */
  GatheringWriter writer() {
    writer = new GatheringWriter(file, writeQueueBytes());
    return writer;
  }

  /** Closes the file, every write done (the request's bytes are all written). */
  Future<Void> close() {
    AsyncFile closing = file;
    file = null;
    return closing == null ? Future.succeededFuture() : closing.close();
  }

  /** Writes what was gathered, then closes the file: every byte delivered stays. Never fails. */
  Future<Void> keep() {
    AsyncFile closing = file;
    file = null;
    if (writer == null || closing == null) {
      return closeQuietly(closing);
    }
    return writer.end().recover(e -> closeQuietly(closing));
  }

  /**
   * Drops what was gathered and closes the file (a write under way completes first). Never fails.
   */
  Future<Void> drop() {
    if (writer != null) {
      writer.discard();
    }
    AsyncFile closing = file;
    file = null;
    return closeQuietly(closing);
  }

  private static Future<Void> closeQuietly(AsyncFile file) {
    if (file == null) {
      return Future.succeededFuture();
    }
    try {
      return file.close().recover(e -> Future.succeededFuture());
    } catch (IllegalStateException e) {
      return Future.succeededFuture(); // already closed
    }
  }
}
