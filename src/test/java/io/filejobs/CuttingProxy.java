package io.filejobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 that cuts connections on demand, for tests of what a server and a
 * resuming client do when a transfer dies half-way: a network that drops, a laptop that closes. A
 * test points its client at {@link #port()} instead of the server's port; the proxy forwards each
 * connection to the target, counting the bytes the client sends, and {@link #cutAfter} or {@link
 * #cutNow} ends one. Connections opened after a cut are forwarded as usual, which is what a client
 * that resumes needs.
 *
 * <p>A cut resets the client's side (RST: its writes and reads fail, as on a dropped network) and
 * half-closes the server's side after the bytes already forwarded (FIN), so the server sees exactly
 * the bytes that passed, then the end of the connection. Plain blocking sockets, two threads per
 * connection, each with one 64 KiB buffer: a side that does not read stops the other from sending
 * (back-pressure holds, nothing is buffered beyond that and the kernel's socket buffers).
 */
final class CuttingProxy implements AutoCloseable {

  private static final int BUFFER = 64 * 1024;

  /** How long a cut server side may take to close its end before the proxy closes it anyway. */
  private static final Duration DRAIN = Duration.ofSeconds(5);

  private final int targetPort;
  private final ServerSocket listener;
  private final Thread acceptor;
  private final List<Link> links = new CopyOnWriteArrayList<>();

  /** The armed {@link #cutAfter} count, or -1. */
  private final AtomicLong cutAt = new AtomicLong(-1);

  private final AtomicInteger cuts = new AtomicInteger();

  private CuttingProxy(int targetPort, ServerSocket listener) {
    this.targetPort = targetPort;
    this.listener = listener;
    acceptor = new Thread(this::accept, "proxy-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy on 127.0.0.1 and a free port, forwarding to 127.0.0.1:{@code targetPort}. */
  static CuttingProxy start(int targetPort) throws IOException {
    ServerSocket listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return new CuttingProxy(targetPort, listener);
  }

  /** The port clients connect to. */
  int port() {
    return listener.getLocalPort();
  }

  /**
   * Arms one cut: the first connection whose client has sent {@code bytes} bytes, counted from the
   * connection's start, is cut right after its {@code bytes}-th byte is forwarded (a connection
   * already past that count is cut before its next byte). The cut happens once; arming again
   * replaces a cut that has not happened yet.
   */
  void cutAfter(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes < 0: " + bytes);
    }
    cutAt.set(bytes);
  }

  /** Cuts every open connection now, as {@link #cutAfter} does one. */
  void cutNow() {
    for (Link link : links) {
      link.cut();
    }
  }

  /** How many connections were cut so far (by either method). */
  int cuts() {
    return cuts.get();
  }

  /** Waits until {@link #cuts()} reaches {@code count}; false if {@code timeout} passed first. */
  boolean awaitCuts(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (cuts) {
      while (cuts.get() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(cuts, left);
      }
      return true;
    }
  }

  /** The bytes each client sent through the proxy, one entry per connection, oldest first. */
  List<Long> requestBytes() {
    return links.stream().map(link -> link.up.get()).toList();
  }

  /** How many connections the proxy has accepted. */
  int connections() {
    return links.size();
  }

  /** Stops accepting and closes every connection. */
  @Override
  public void close() throws IOException {
    listener.close();
    for (Link link : links) {
      link.closeBoth();
    }
  }

  private void accept() {
    int n = 0;
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      Socket server = new Socket();
      try {
        server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
      } catch (IOException e) {
        // the target is not there: the client sees its connection reset, as it would without us
        reset(client);
        close(server);
        continue;
      }
      Link link = new Link(client, server, ++n);
      links.add(link);
      link.start();
    }
  }

  private void counted() {
    synchronized (cuts) {
      cuts.incrementAndGet();
      cuts.notifyAll();
    }
  }

  /** One proxied connection: the client's socket, the server's, and a thread for each direction. */
  private final class Link {
    final Socket client;
    final Socket server;
    final int id;

    /** Bytes forwarded from the client to the server. */
    final AtomicLong up = new AtomicLong();

    /** Directions that have ended normally (EOF); at two, both sockets are closed. */
    private final AtomicInteger ended = new AtomicInteger();

    private volatile boolean cut;

    Link(Socket client, Socket server, int id) {
      this.client = client;
      this.server = server;
      this.id = id;
    }

    void start() {
      Thread upward = new Thread(this::pumpUp, "proxy-" + port() + "-up-" + id);
      Thread downward = new Thread(this::pumpDown, "proxy-" + port() + "-down-" + id);
      upward.setDaemon(true);
      downward.setDaemon(true);
      upward.start();
      downward.start();
    }

    /** Client to server, counted, where {@link #cutAfter} strikes. */
    private void pumpUp() {
      byte[] buffer = new byte[BUFFER];
      try {
        InputStream in = client.getInputStream();
        OutputStream out = server.getOutputStream();
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          long before = up.get();
          long limit = cutAt.get();
          if (limit >= 0 && before + n >= limit && cutAt.compareAndSet(limit, -1)) {
            int last = (int) Math.max(0, limit - before);
            out.write(buffer, 0, last);
            up.addAndGet(last);
            cut();
            return;
          }
          out.write(buffer, 0, n);
          up.addAndGet(n);
        }
        server.shutdownOutput(); // the client half-closed: pass it on
        endedOne();
      } catch (IOException e) {
        abort();
      }
    }

    /**
     * Server to client. After a cut, what the server still sends is read and dropped until it
     * closes its end, which ends the drain that {@link #cut} leaves open.
     */
    private void pumpDown() {
      byte[] buffer = new byte[BUFFER];
      try {
        InputStream in = server.getInputStream();
        OutputStream out = client.getOutputStream();
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          if (!cut) {
            try {
              out.write(buffer, 0, n);
            } catch (IOException e) {
              if (!cut) {
                throw e;
              } // else: the cut reset the client meanwhile; go on draining the server
            }
          }
        }
        if (!cut) {
          client.shutdownOutput(); // the server half-closed: pass it on
          endedOne();
          return;
        }
      } catch (IOException e) {
        if (!cut) {
          closeBoth();
          return;
        }
      }
      close(server);
    }

    /**
     * Resets the client and half-closes the server after what was forwarded. The server's socket
     * stays open, read by {@link #pumpDown}, until the server closes it or {@link #DRAIN} passes:
     * closing it with unread data would reset it too and could drop bytes still in flight.
     */
    synchronized void cut() {
      if (cut || client.isClosed()) {
        return;
      }
      cut = true;
      counted(); // before any side can see the cut, so that cuts() never lags behind it
      reset(client);
      try {
        server.shutdownOutput();
      } catch (IOException e) {
        // already gone
      }
      CompletableFuture.delayedExecutor(DRAIN.toMillis(), TimeUnit.MILLISECONDS, Runnable::run)
          .execute(() -> close(server));
    }

    private void endedOne() {
      if (ended.incrementAndGet() == 2) {
        closeBoth();
      }
    }

    /**
     * The upward direction failed (a reset, a closed socket): end the connection, unless a cut did
     * (then the server's side is left to drain).
     */
    private void abort() {
      if (!cut) {
        closeBoth();
      }
    }

    void closeBoth() {
      close(client);
      close(server);
    }
  }

  /** Closes {@code socket} with a reset (RST) rather than the orderly FIN. */
  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0); // close() then sends RST
    } catch (IOException e) {
      // closed already
    }
    close(socket);
  }

  private static void close(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
