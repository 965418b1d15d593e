package io.filejobs.bench.client;

import io.filejobs.bench.http.Head;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An export that is meant to be terminated: a thread reads its body as fast as it comes and notes
 * when the server closes the connection.
 */
public final class RunningExport implements AutoCloseable {

  private final Connection connection;
  private final Closing closing = new Closing();
  private final AtomicLong received = new AtomicLong();
  private final Thread reader;
  private volatile boolean complete;

  private RunningExport(Connection connection, long length) {
    this.connection = connection;
    this.reader = new Thread(() -> read(length), "running-export-reader");
  }

  /** Starts exporting {@code filename} and returns once the answer's head has arrived. */
  public static RunningExport start(InetSocketAddress address, String token, String filename)
      throws IOException {
    Connection connection = Connection.bulk(address);
    connection.send(Requests.export(connection.host(), token, filename));
    Head head = connection.readHead();
    if (head.status() != 200) {
      String answer = connection.readText(Math.max(0, head.contentLength()));
      connection.close();
      throw new IOException("export answered " + head.status() + ": " + answer);
    }
    RunningExport export = new RunningExport(connection, head.contentLength());
    export.reader.start();
    return export;
  }

  private void read(long length) {
    try {
      connection.readBody(length, chunk -> received.addAndGet(chunk.remaining()));
      complete = true; // not terminated in time: wakes the waiter, who checks complete()
    } catch (IOException e) {
      // closed (or reset) before the last byte: terminated
    }
    closing.seen();
  }

  /** Body bytes read so far. */
  public long received() {
    return received.get();
  }

  /** True when the whole file arrived (it was not terminated in time). */
  public boolean complete() {
    return complete;
  }

  /** When the client sees the connection closed. */
  public Closing closing() {
    return closing;
  }

  @Override
  public void close() {
    connection.close(); // unblocks its threads
    try {
      reader.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
