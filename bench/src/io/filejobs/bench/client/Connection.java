package io.filejobs.bench.client;

import io.filejobs.bench.http.Head;
import io.filejobs.bench.http.Wire;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One client connection: a blocking {@link SocketChannel} with hand-written HTTP/1.1 on top, and
 * the buffer its answers are read into. Requests on one connection go one after the other
 * (keep-alive), as a control connection sends its terminates.
 */
public final class Connection implements Closeable {

  /** A whole answer whose body is text (JSON, or a baseline's stored path). */
  public record Answer(int status, String body) {}

  /** Read buffer of a connection that only carries small answers. */
  private static final int SMALL_BUFFER = 16 * 1024;

  private final SocketChannel channel;
  private final ByteBuffer buffer;
  private final String host;

  private Connection(SocketChannel channel, ByteBuffer buffer, String host) {
    this.channel = channel;
    this.buffer = buffer;
    this.host = host;
  }

  /** A connection that moves bulk bytes: reads through a 1 MiB direct buffer. */
  public static Connection bulk(InetSocketAddress address) throws IOException {
    return open(address, Wire.readBuffer());
  }

  /** A connection for requests with small answers: a 16 KiB buffer. */
  public static Connection small(InetSocketAddress address) throws IOException {
    return open(address, ByteBuffer.allocate(SMALL_BUFFER).flip());
  }

  private static Connection open(InetSocketAddress address, ByteBuffer buffer) throws IOException {
    SocketChannel channel = SocketChannel.open(address);
    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    return new Connection(
        channel, buffer, address.getAddress().getHostAddress() + ":" + address.getPort());
  }

  /** The {@code Host} header's value for this connection. */
  public String host() {
    return host;
  }

  public SocketChannel channel() {
    return channel;
  }

  public void send(ByteBuffer... parts) throws IOException {
    Wire.writeFully(channel, parts);
  }

  public void send(String text) throws IOException {
    send(Wire.ascii(text));
  }

  public Head readHead() throws IOException {
    return Head.read(channel, buffer);
  }

  /** Passes {@code length} body bytes to {@code sink} (see {@link Wire#readBody}). */
  public void readBody(long length, Wire.ChunkSink sink) throws IOException {
    Wire.readBody(channel, buffer, length, sink);
  }

  /** Reads a text body of {@code length} bytes. */
  public String readText(long length) throws IOException {
    return Wire.readText(channel, buffer, length);
  }

  /** Reads a whole answer with a text body of known length (or none). */
  public Answer readAnswer() throws IOException {
    Head head = readHead();
    long length = Math.max(0, head.contentLength());
    return new Answer(head.status(), readText(length));
  }

  /**
   * Reads and drops whatever arrives until the peer closes the connection.
   *
   * @throws IOException when it is reset rather than closed
   */
  public void drainToEnd() throws IOException {
    buffer.clear();
    while (channel.read(buffer) >= 0) {
      buffer.clear();
    }
    buffer.flip();
  }

  /** Sends a request and reads its answer. */
  public Answer exchange(String request) throws IOException {
    send(request);
    return readAnswer();
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing: nothing left to do
    }
  }
}
