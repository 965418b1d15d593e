package io.filejobs.bench.suite;

import io.filejobs.bench.Console;
import io.filejobs.bench.Plan;
import io.filejobs.bench.SourceFile;
import io.filejobs.bench.Sources;
import io.filejobs.bench.Workspace;
import io.filejobs.bench.client.ExportClient;
import io.filejobs.bench.client.UploadClient;
import io.filejobs.bench.http.Wire;
import io.filejobs.bench.peer.Baseline;
import io.filejobs.bench.report.Figure;
import io.filejobs.bench.report.Figure.Unit;
import io.filejobs.bench.report.Sizes;
import io.filejobs.bench.report.Stats;
import io.filejobs.bench.service.BenchUsers;
import io.filejobs.bench.service.Tokens;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * Shows that the client is not what limits the speed figures, beside the speeds of the service and
 * of the baselines for the same size:
 *
 * <ul>
 *   <li>the upload client sending into a receiver that drops the bytes (no disk);
 *   <li>the export client reading the baseline sender without its CRC32C, and the CRC32C alone over
 *       a buffer in memory: what checking the bytes costs;
 *   <li>the disk's own write speed with 1 MiB blocks (what {@code dd bs=1M} does), for context.
 * </ul>
 */
public final class ClientCheck {

  static final String SECTION = "Client headroom (absolute speeds, the client alone)";

  private final Plan plan;
  private final Baseline baseline;
  private final Tokens tokens;
  private final SourceFile source;
  private final Workspace work;
  private final ByteBuffer block = randomBlock();

  public ClientCheck(
      Plan plan, Baseline baseline, Tokens tokens, SourceFile source, Workspace work) {
    this.plan = plan;
    this.baseline = baseline;
    this.tokens = tokens;
    this.source = source;
    this.work = work;
  }

  /** The median speeds (MiB/s) of the single transfers of {@code source}, to compare with. */
  public record Measured(
      double serviceUpload, double baselineUpload, double serviceExport, double baselineExport) {}

  public List<Figure> measure(Measured measured) throws Exception {
    String user = BenchUsers.name(1);
    List<Double> upload = new ArrayList<>();
    List<Double> export = new ArrayList<>();
    List<Double> crc = new ArrayList<>();
    List<Double> disk = new ArrayList<>();
    for (int run = 0; run < plan.runs(); run++) {
      work.settleDisk();
      UploadClient.Result sent =
          UploadClient.upload(baseline.discard(), tokens.token(user), "check.bin", source.path());
      upload.add(Sizes.mibPerSecond(sent.bytes(), sent.nanos()));
      ExportClient.Result read =
          ExportClient.export(
              baseline.sender(),
              tokens.token(user),
              user + "/" + Sources.exportName(source),
              false);
      if (read.bytes() != source.size()) {
        throw new IllegalStateException("the baseline sender sent " + read.bytes() + " bytes");
      }
      export.add(Sizes.mibPerSecond(read.bytes(), read.nanos()));
      crc.add(crcSpeed());
      work.settleDisk();
      disk.add(diskWrite());
      Console.say(
          "client check, run %d: upload client alone %.0f MiB/s, export client without"
              + " CRC %.0f MiB/s, CRC32C %.0f MiB/s, disk write %.0f MiB/s",
          run + 1, upload.get(run), export.get(run), crc.get(run), disk.get(run));
    }
    String size = Sizes.bytes(source.size());
    return List.of(
        new Figure(
            SECTION,
            "Upload client into a receiver that drops the bytes, " + size,
            Unit.MIB_PER_S,
            upload,
            times(upload, measured.serviceUpload(), "the service's upload")
                + ", "
                + times(upload, measured.baselineUpload(), "the upload baseline")),
        new Figure(
            SECTION,
            "Export client without its CRC32C, from the export baseline, " + size,
            Unit.MIB_PER_S,
            export,
            times(export, measured.baselineExport(), "the export baseline read with the CRC32C")),
        new Figure(
            SECTION,
            "CRC32C alone, 1 MiB direct buffer in memory",
            Unit.MIB_PER_S,
            crc,
            times(crc, measured.baselineExport(), "the export baseline")),
        new Figure(
            SECTION,
            "Disk write, 1 MiB blocks (like dd, no fsync), " + size,
            Unit.MIB_PER_S,
            disk,
            "context: page cache and disk at that moment; "
                + times(disk, measured.baselineUpload(), "the upload baseline")));
  }

  /** "2.10 × what (1234 MiB/s)": the median of {@code speeds} over {@code other}. */
  private static String times(List<Double> speeds, double other, String what) {
    return String.format(
        "%.2f × %s (%s)", Stats.median(speeds) / other, what, Unit.MIB_PER_S.format(other));
  }

  /** Folds as many bytes as the source into a CRC32C, 1 MiB at a time. */
  private double crcSpeed() {
    CRC32C crc = new CRC32C();
    long start = System.nanoTime();
    for (long done = 0; done < source.size(); done += block.capacity()) {
      crc.update(block.duplicate());
    }
    long nanos = System.nanoTime() - start;
    if (crc.getValue() == 42) {
      Console.say("(a CRC of 42: printed so that the loop is not optimised away)");
    }
    return Sizes.mibPerSecond(source.size(), nanos);
  }

  /** Writes as many bytes as the source into a new file, 1 MiB at a time, and closes it. */
  private double diskWrite() throws Exception {
    Path file = work.scratch().resolve("disk-write.bin");
    long start = System.nanoTime();
    try (FileChannel out =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long written = 0; written < source.size(); ) {
        ByteBuffer chunk = block.duplicate();
        chunk.limit((int) Math.min(chunk.capacity(), source.size() - written));
        written += chunk.remaining();
        Wire.writeFully(out, chunk);
      }
    }
    long nanos = System.nanoTime() - start;
    Files.delete(file);
    return Sizes.mibPerSecond(source.size(), nanos);
  }

  private static ByteBuffer randomBlock() {
    byte[] random = new byte[Wire.BUFFER];
    new SplittableRandom(5).nextBytes(random);
    return ByteBuffer.allocateDirect(random.length).put(random).flip();
  }
}
