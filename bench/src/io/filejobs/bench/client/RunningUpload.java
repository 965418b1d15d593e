package io.filejobs.bench.client;

import io.filejobs.bench.http.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An upload that is meant to be terminated: it declares a large file and sends bytes from memory as
 * fast as the server takes them, on a thread of its own, while another thread waits for the
 * server's answer and the close of the connection.
 */
public final class RunningUpload implements AutoCloseable {

  private final Connection connection;
  private final Closing closing = new Closing();
  private final AtomicLong sent = new AtomicLong();
  private final Thread writer;
  private final Thread reader;
  private volatile int status;

  private RunningUpload(Connection connection, ByteBuffer noise, long size) {
    this.connection = connection;
    this.writer = new Thread(() -> write(noise, size), "running-upload-writer");
    this.reader = new Thread(this::read, "running-upload-reader");
  }

  /**
   * Starts an upload of {@code size} bytes (the content of {@code noise}, over and over) and
   * returns while its bytes flow.
   */
  public static RunningUpload start(
      InetSocketAddress address, String token, String name, ByteBuffer noise, long size)
      throws IOException {
    Connection connection = Connection.bulk(address);
    Requests.Upload form = Requests.Upload.of(connection.host(), token, name, size);
    connection.send(form.head(), form.preamble());
    RunningUpload upload = new RunningUpload(connection, noise, size);
    upload.writer.start();
    upload.reader.start();
    return upload;
  }

  private void write(ByteBuffer noise, long size) {
    try {
      while (sent.get() < size) {
        ByteBuffer chunk = noise.duplicate();
        chunk.limit((int) Math.min(chunk.capacity(), size - sent.get()));
        int length = chunk.remaining();
        Wire.writeFully(connection.channel(), chunk);
        sent.addAndGet(length);
      }
    } catch (IOException e) {
      closing.seen(); // reset or broken pipe: the server closed the connection
    }
  }

  private void read() {
    try {
      status = connection.readAnswer().status();
      connection.drainToEnd();
    } catch (IOException e) {
      // reset: closed all the same
    }
    closing.seen();
  }

  /** Bytes written to the socket so far. */
  public long sent() {
    return sent.get();
  }

  /** When the client sees the connection closed. */
  public Closing closing() {
    return closing;
  }

  /** The status of the answer the server sent before closing, or 0 when none could be read. */
  public int status() {
    return status;
  }

  @Override
  public void close() {
    connection.close(); // unblocks its threads
    try {
      writer.join();
      reader.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
