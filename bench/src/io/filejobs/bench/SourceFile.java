package io.filejobs.bench;

import io.filejobs.bench.http.Wire;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * A file of random bytes the benchmark transfers, with its CRC32C (what every finished transfer is
 * checked against).
 */
public record SourceFile(Path path, long size, int crc) {

  /** Every page of a block is stamped with the block's number. */
  private static final int PAGE = 4096;

  /**
   * Writes {@code size} random-looking bytes fast: one 1 MiB random block, written over and over
   * with the block's number stamped into each 4 KiB page, so that no two pages of the file are
   * alike (nothing on the way can shortcut repeated content).
   */
  static SourceFile generate(Path path, long size, long seed) throws IOException {
    byte[] random = new byte[Wire.BUFFER];
    new SplittableRandom(seed).nextBytes(random);
    ByteBuffer block = ByteBuffer.allocateDirect(random.length).put(random).flip();
    CRC32C crc = new CRC32C();
    try (FileChannel out =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long written = 0;
      for (long number = 0; written < size; number++) {
        for (int page = 0; page < block.capacity(); page += PAGE) {
          block.putLong(page, number ^ seed);
        }
        ByteBuffer chunk =
            block.duplicate().limit((int) Math.min(block.capacity(), size - written));
        crc.update(chunk.duplicate());
        written += chunk.remaining();
        Wire.writeFully(out, chunk);
      }
    }
    return new SourceFile(path, size, (int) crc.getValue());
  }

  /** The CRC32C of {@code length} bytes of {@code file} from {@code offset}. */
  public static int crcOf(Path file, long offset, long length) throws IOException {
    CRC32C crc = new CRC32C();
    ByteBuffer buffer = ByteBuffer.allocateDirect(Wire.BUFFER);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      long position = offset;
      long end = offset + length;
      while (position < end) {
        buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
        int read = in.read(buffer, position);
        if (read < 0) {
          break;
        }
        position += read;
        crc.update(buffer.flip());
      }
    }
    return (int) crc.getValue();
  }

  /** True when {@code file} holds exactly this source's bytes at {@code offset}. */
  public boolean matches(Path file, long offset) throws IOException {
    return crcOf(file, offset, size) == crc;
  }
}
