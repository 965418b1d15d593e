package io.filejobs.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The benchmark's folder (made by {@code bench/run} on the project's disk, never on tmpfs) and the
 * layout inside it. Everything the benchmark creates lives here and goes with {@link #delete()}.
 */
public record Workspace(Path root) {

  /** The generated source files. */
  public Path sources() {
    return root.resolve("sources");
  }

  /** The service's {@code FILEJOBS_UPLOADS_DIR}, shared by all nodes (and the export root). */
  public Path uploads() {
    return root.resolve("uploads");
  }

  /** Where the baseline receiver stores uploads. */
  public Path baselineStore() {
    return root.resolve("baseline-store");
  }

  /** A node's own folder: its temp folder, log and GC log. */
  public Path node(String name) {
    return root.resolve("nodes").resolve(name);
  }

  /** Scratch space for the client's own checks. */
  public Path scratch() {
    return root.resolve("scratch");
  }

  public Path file(String name) {
    return root.resolve(name);
  }

  /**
   * Flushes the dirty pages of the work folder's file system ({@code sync -f}) and waits for it:
   * called before every timed transfer, so that none pays for the write-back of the one before (the
   * page cache takes writes fast until write-back throttles them to the disk's speed).
   */
  public void settleDisk() {
    try {
      Process sync = new ProcessBuilder("sync", "-f", root.toString()).inheritIO().start();
      if (sync.waitFor() != 0) {
        throw new IllegalStateException("sync -f " + root + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Workspace create() throws IOException {
    for (Path dir : new Path[] {sources(), uploads(), baselineStore(), scratch()}) {
      Files.createDirectories(dir);
    }
    return this;
  }

  /** Deletes the folder and all inside it. */
  void delete() throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
