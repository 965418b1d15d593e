package io.filejobs.bench.baseline;

import io.filejobs.bench.http.Head;
import io.filejobs.bench.http.Wire;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The export baseline: reads the request and its JSON {@code {"filename": ...}} (a path under the
 * export root), and answers 200 with the file's bytes sent by {@code FileChannel.transferTo}
 * (sendfile: the bytes never enter the JVM).
 */
final class Sender {

  private static final Pattern FILENAME = Pattern.compile("\"filename\"\\s*:\\s*\"([^\"]+)\"");

  private Sender() {}

  static void send(SocketChannel channel, Path root) throws IOException {
    ByteBuffer buffer = Wire.readBuffer();
    Head head = Head.read(channel, buffer);
    String json = Wire.readText(channel, buffer, Math.max(0, head.contentLength()));
    Matcher name = FILENAME.matcher(json);
    Path file = name.find() ? root.resolve(name.group(1)).normalize() : null;
    if (file == null || !file.startsWith(root) || !Files.isRegularFile(file)) {
      Wire.writeFully(
          channel,
          Wire.ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
      return;
    }
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = in.size();
      Wire.writeFully(
          channel,
          Wire.ascii(
              "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                  + size
                  + "\r\nConnection: close\r\n\r\n"));
      for (long sent = 0; sent < size; ) {
        sent += in.transferTo(sent, size - sent, channel);
      }
    }
  }
}
