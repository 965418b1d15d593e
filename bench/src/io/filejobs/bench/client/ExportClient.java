package io.filejobs.bench.client;

import io.filejobs.bench.http.Head;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.zip.CRC32C;

/**
 * Exports a file and checks it on the fly: the body is read through a 1 MiB direct buffer and
 * folded into a CRC32C (a CPU instruction on x86, several GB/s), never stored. The same client
 * reads the service and the baseline sender.
 */
public final class ExportClient {

  /**
   * One export: the status, the answer's text when it is not 200, the body's size, the time from
   * connecting to its last byte, and its CRC32C.
   */
  public record Result(int status, String answer, long bytes, long nanos, int crc) {}

  private ExportClient() {}

  public static Result export(InetSocketAddress address, String token, String filename)
      throws IOException {
    return export(address, token, filename, true);
  }

  /**
   * Exports {@code filename}; without {@code checksum} the body is only counted (the client check:
   * what the CRC32C costs).
   */
  public static Result export(
      InetSocketAddress address, String token, String filename, boolean checksum)
      throws IOException {
    long start = System.nanoTime();
    try (Connection connection = Connection.bulk(address)) {
      connection.send(Requests.export(connection.host(), token, filename));
      Head head = connection.readHead();
      long length = Math.max(0, head.contentLength());
      if (head.status() != 200) {
        String answer = connection.readText(length);
        return new Result(head.status(), answer, 0, System.nanoTime() - start, 0);
      }
      CRC32C crc = new CRC32C();
      connection.readBody(length, checksum ? crc::update : chunk -> {});
      return new Result(200, "", length, System.nanoTime() - start, (int) crc.getValue());
    }
  }
}
