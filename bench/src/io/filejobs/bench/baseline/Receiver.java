package io.filejobs.bench.baseline;

import io.filejobs.bench.http.Head;
import io.filejobs.bench.http.Wire;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The upload baseline: reads the request head, then writes exactly {@code Content-Length} body
 * bytes into a new file, with one 1 MiB direct buffer and no parsing of the body (the multipart
 * framing is stored too; the client skips it when it checks the file). Answers 200 with the stored
 * file's path once the file is closed, as the service answers once the upload is stored.
 */
final class Receiver {

  private static final AtomicLong FILES = new AtomicLong();

  private Receiver() {}

  /** Receives one upload; with a null {@code store} the bytes are dropped instead of written. */
  static void receive(SocketChannel channel, Path store) throws IOException {
    ByteBuffer buffer = Wire.readBuffer();
    Head head = Head.read(channel, buffer);
    long length = head.contentLength();
    String stored;
    if (store == null) {
      Wire.readBody(channel, buffer, length, chunk -> {});
      stored = "discarded";
    } else {
      Path file = store.resolve("received-" + FILES.incrementAndGet() + ".bin");
      try (FileChannel out =
          FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        Wire.readBody(channel, buffer, length, chunk -> Wire.writeFully(out, chunk));
      }
      stored = file.toAbsolutePath().toString();
    }
    byte[] body = stored.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Wire.writeFully(
        channel,
        Wire.ascii(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                + body.length
                + "\r\nConnection: close\r\n\r\n"),
        ByteBuffer.wrap(body));
  }
}
