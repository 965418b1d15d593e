package io.filejobs.bench.http;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/** Small byte-moving helpers shared by the client and the baselines. */
public final class Wire {

  /** The size of every socket buffer the benchmark reads into. */
  public static final int BUFFER = 1024 * 1024;

  private Wire() {}

  public static ByteBuffer ascii(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** A fresh direct buffer of {@link #BUFFER} bytes, empty and in read mode. */
  public static ByteBuffer readBuffer() {
    return ByteBuffer.allocateDirect(BUFFER).flip();
  }

  public static void writeFully(WritableByteChannel channel, ByteBuffer... buffers)
      throws IOException {
    for (ByteBuffer buffer : buffers) {
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    }
  }

  /**
   * Passes exactly {@code length} body bytes to {@code sink}: first those left in {@code buffer}
   * (in read mode), then what {@code channel} delivers. Each chunk handed over is only valid during
   * the call.
   *
   * @throws EOFException when the peer closes early
   */
  public static void readBody(
      ReadableByteChannel channel, ByteBuffer buffer, long length, ChunkSink sink)
      throws IOException {
    long left = length;
    while (left > 0) {
      if (!buffer.hasRemaining()) {
        buffer.clear();
        int read = channel.read(buffer);
        buffer.flip();
        if (read < 0) {
          throw new EOFException((length - left) + " of " + length + " body bytes arrived");
        }
        continue;
      }
      int take = (int) Math.min(left, buffer.remaining());
      ByteBuffer chunk = buffer.slice(buffer.position(), take);
      sink.accept(chunk);
      buffer.position(buffer.position() + take);
      left -= take;
    }
  }

  /** Takes the chunks of a body as they arrive. */
  @FunctionalInterface
  public interface ChunkSink {
    void accept(ByteBuffer chunk) throws IOException;
  }

  /** Reads a small body (an answer's JSON) as text. */
  public static String readText(ReadableByteChannel channel, ByteBuffer buffer, long length)
      throws IOException {
    byte[] text = new byte[(int) length];
    int[] at = {0};
    readBody(
        channel,
        buffer,
        length,
        chunk -> {
          int n = chunk.remaining();
          chunk.get(text, at[0], n);
          at[0] += n;
        });
    return new String(text, StandardCharsets.UTF_8);
  }
}
