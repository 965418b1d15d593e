package io.filejobs.bench.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Uploads a file the cheapest way a client can: the request head and multipart preamble, the file's
 * bytes by {@code FileChannel.transferTo} (sendfile, from the page cache straight to the socket),
 * the closing boundary, then the answer. The same bytes go to the service and to the baseline
 * receiver.
 */
public final class UploadClient {

  /**
   * One finished upload: the answer, the file's size, and the time from connecting to the last byte
   * of the answer. {@code preambleLength} is where the file starts in the body (the baseline stores
   * the whole body).
   */
  public record Result(int status, String answer, long bytes, long nanos, int preambleLength) {}

  private UploadClient() {}

  public static Result upload(InetSocketAddress address, String token, String name, Path source)
      throws IOException {
    long start = System.nanoTime();
    try (Connection connection = Connection.bulk(address);
        FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
      long size = in.size();
      Requests.Upload form = Requests.Upload.of(connection.host(), token, name, size);
      connection.send(form.head(), form.preamble());
      for (long sent = 0; sent < size; ) {
        sent += in.transferTo(sent, size - sent, connection.channel());
      }
      connection.send(form.epilogue());
      Connection.Answer answer = connection.readAnswer();
      return new Result(
          answer.status(), answer.body(), size, System.nanoTime() - start, form.preambleLength());
    }
  }
}
