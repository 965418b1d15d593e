package io.filejobs.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

/** What the figures were measured on, and from which code. */
public record Machine(
    String date,
    String cpu,
    int cores,
    String memory,
    String disk,
    String java,
    String kernel,
    String commit) {

  /** Describes this machine, the disk of {@code workDir}, and the git state of {@code project}. */
  public static Machine describe(Path workDir, Path project) {
    return new Machine(
        ZonedDateTime.now()
            .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
            .replaceAll("\\.\\d+", ""),
        procField("/proc/cpuinfo", "model name").orElse("unknown CPU"),
        Runtime.getRuntime().availableProcessors(),
        procField("/proc/meminfo", "MemTotal")
            .map(
                kib ->
                    String.format(
                        "%.1f GiB (MemTotal %s)",
                        Long.parseLong(kib.replaceAll("\\D", "")) / 1048576.0, kib))
            .orElse("unknown"),
        run(workDir, "df", "-hT", workDir.toString())
            .map(df -> df.lines().skip(1).findFirst().orElse(df).replaceAll("\\s+", " "))
            .orElse("unknown"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        read("/proc/sys/kernel/osrelease").orElse("unknown").trim(),
        commit(project));
  }

  /** The measured code: HEAD, and which tracked files differ from it. */
  private static String commit(Path project) {
    String head = run(project, "git", "rev-parse", "HEAD").map(String::trim).orElse("unknown");
    // --no-optional-locks: a status that never touches the index, whoever else works here
    String changed =
        run(project, "git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
            .map(status -> status.lines().map(line -> line.substring(3)).toList())
            .map(
                files ->
                    files.isEmpty()
                        ? ""
                        : " plus uncommitted changes to " + String.join(", ", files))
            .orElse("");
    return head + changed;
  }

  private static Optional<String> procField(String file, String field) {
    return read(file)
        .flatMap(
            text ->
                text.lines()
                    .filter(line -> line.startsWith(field))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst());
  }

  private static Optional<String> read(String file) {
    try {
      return Optional.of(Files.readString(Path.of(file)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> run(Path dir, String... command) {
    try {
      Process process =
          new ProcessBuilder(List.of(command))
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return process.waitFor() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
