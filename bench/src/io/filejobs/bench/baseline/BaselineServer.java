package io.filejobs.bench.baseline;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The machine's own limits, as the service's speed is measured against them: the least a Java
 * program does to take an upload into a file, or to send a file, over a loopback socket. It runs as
 * a JVM of its own, like the service, with only the JDK on its class path.
 *
 * <p>One port per kind, printed on the first line of output as {@code baseline receive=P1
 * discard=P2 send=P3}:
 *
 * <ul>
 *   <li>{@code receive}: the upload baseline, a plain read/write loop into a file ({@link
 *       Receiver});
 *   <li>{@code send}: the export baseline, {@code FileChannel.transferTo} ({@link Sender});
 *   <li>{@code discard}: the upload baseline without the disk, to show how fast the benchmark's
 *       upload client goes when nothing else limits it.
 * </ul>
 *
 * <p>Usage: {@code BaselineServer <store-folder> <export-root>}. One thread per connection and one
 * request per connection. It exits when its standard input closes, so it never outlives the
 * benchmark.
 */
public final class BaselineServer {

  private BaselineServer() {}

  public static void main(String[] args) throws IOException {
    Path store = Path.of(args[0]);
    Path exportRoot = Path.of(args[1]);
    ExecutorService pool =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task, "baseline-connection");
              thread.setDaemon(true);
              return thread;
            });
    int receive = serve(pool, channel -> Receiver.receive(channel, store));
    int discard = serve(pool, channel -> Receiver.receive(channel, null));
    int send = serve(pool, channel -> Sender.send(channel, exportRoot));
    System.out.printf("baseline receive=%d discard=%d send=%d%n", receive, discard, send);
    System.out.flush();
    while (System.in.read() >= 0) {
      // wait for the benchmark to go away
    }
    System.exit(0);
  }

  /** What one kind of baseline does with one connection. */
  @FunctionalInterface
  interface Handler {
    void handle(SocketChannel channel) throws IOException;
  }

  private static int serve(ExecutorService pool, Handler handler) throws IOException {
    ServerSocketChannel server =
        ServerSocketChannel.open()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
    Thread acceptor =
        new Thread(
            () -> {
              while (true) {
                try {
                  SocketChannel channel = server.accept();
                  pool.execute(() -> handleAndClose(channel, handler));
                } catch (IOException e) {
                  System.err.println("baseline: accept failed: " + e);
                  return;
                }
              }
            },
            "baseline-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();
    return ((InetSocketAddress) server.getLocalAddress()).getPort();
  }

  private static void handleAndClose(SocketChannel channel, Handler handler) {
    try (channel) {
      channel.socket().setTcpNoDelay(true);
      handler.handle(channel);
    } catch (IOException e) {
      System.err.println("baseline: " + e);
    }
  }
}
