package io.filejobs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The generated source files: the "1 GiB" and "4 GiB" files of the single transfers and the file of
 * each concurrent transfer. Exports serve them from users' folders through hard links: the same
 * bytes on disk (and in the page cache) for the service and the baseline, at no extra space.
 */
public record Sources(SourceFile small, SourceFile large, SourceFile wide) {

  static Sources generate(Path dir, Plan plan) throws IOException {
    return new Sources(
        SourceFile.generate(dir.resolve("small.bin"), plan.small(), 1),
        SourceFile.generate(dir.resolve("large.bin"), plan.large(), 2),
        SourceFile.generate(dir.resolve("wide.bin"), plan.wideSize(), 3));
  }

  /** The name a source is exported under from a user's folder. */
  public static String exportName(SourceFile source) {
    return "export-" + source.path().getFileName();
  }

  /** Makes every source exportable by {@code user}: a hard link in {@code uploads/<user>/}. */
  public void linkInto(Path uploads, String user) throws IOException {
    Path folder = Files.createDirectories(uploads.resolve(user));
    for (SourceFile source : new SourceFile[] {small, large, wide}) {
      Path link = folder.resolve(exportName(source));
      if (!Files.exists(link)) {
        Files.createLink(link, source.path());
      }
    }
  }
}
