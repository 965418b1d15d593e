package io.filejobs.bench.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A service's temp folder, with whatever sub-folders and bookkeeping files (locks) it keeps there.
 * An upload's temp file is told apart as the file that was not there before the upload began: the
 * benchmark takes a {@link #snapshot()} first, then looks for what is {@link #newSince new since}.
 * Walked afresh on every look, so it finds files wherever the service puts them.
 */
public final class TempTree {

  private final Path root;

  public TempTree(Path root) {
    this.root = root;
  }

  /** The regular files now in the tree. */
  public Set<Path> snapshot() {
    return files().keySet();
  }

  /** The regular files now in the tree that are not in {@code before}, with their sizes. */
  public Map<Path, Long> newSince(Set<Path> before) {
    Map<Path, Long> files = files();
    files.keySet().removeAll(before);
    return files;
  }

  private Map<Path, Long> files() {
    Map<Path, Long> files = new HashMap<>();
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
              if (attributes.isRegularFile()) {
                files.put(file, attributes.size());
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              return FileVisitResult.CONTINUE; // deleted while we looked: gone
            }
          });
    } catch (NoSuchFileException gone) {
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }
}
