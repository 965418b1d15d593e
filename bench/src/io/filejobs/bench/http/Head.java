package io.filejobs.bench.http;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The head of an HTTP/1.1 message (request or response): its start line and headers. Just enough
 * HTTP for the benchmark's own client and baselines, which must add as little work as possible on
 * either side of the socket.
 */
public record Head(String startLine, Map<String, String> headers) {

  private static final int MAX_HEAD_BYTES = 64 * 1024;

  /**
   * Reads a head from {@code channel}. {@code buffer} is in read mode (its unread bytes come
   * first); afterwards it holds whatever followed the head (the first body bytes), still in read
   * mode.
   *
   * @throws EOFException when the peer closes before a whole head arrived
   */
  public static Head read(ReadableByteChannel channel, ByteBuffer buffer) throws IOException {
    while (true) {
      int end = endOfHead(buffer);
      if (end >= 0) {
        byte[] bytes = new byte[end - buffer.position()];
        buffer.get(bytes);
        buffer.position(buffer.position() + 4); // the blank line
        return parse(new String(bytes, StandardCharsets.ISO_8859_1));
      }
      if (buffer.remaining() >= MAX_HEAD_BYTES) {
        throw new IOException("no end of the HTTP head within " + MAX_HEAD_BYTES + " bytes");
      }
      buffer.compact();
      int read = channel.read(buffer);
      buffer.flip();
      if (read < 0) {
        throw new EOFException("the connection closed before the HTTP head ended");
      }
    }
  }

  private static int endOfHead(ByteBuffer buffer) {
    for (int i = buffer.position(); i + 3 < buffer.limit(); i++) {
      if (buffer.get(i) == '\r'
          && buffer.get(i + 1) == '\n'
          && buffer.get(i + 2) == '\r'
          && buffer.get(i + 3) == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static Head parse(String text) {
    String[] lines = text.split("\r\n");
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(
            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    return new Head(lines[0], headers);
  }

  /** A header's value (name in any case), or null. */
  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /** The declared {@code Content-Length}, or -1 when there is none. */
  public long contentLength() {
    String value = header("Content-Length");
    return value == null ? -1 : Long.parseLong(value);
  }

  /** The status code of a response head. */
  public int status() {
    String[] parts = startLine.split(" ", 3);
    return Integer.parseInt(parts[1]);
  }

  /** The target (path) of a request head. */
  public String target() {
    return startLine.split(" ", 3)[1];
  }
}
