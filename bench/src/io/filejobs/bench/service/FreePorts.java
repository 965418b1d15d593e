package io.filejobs.bench.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Free loopback ports for the child JVMs, below the kernel's range of ephemeral ports: a port
 * inside that range (what binding port 0 gives) can be taken as the source port of an outgoing
 * connection before the child binds it, and a cluster member keeps connecting to the one that is
 * not listening yet. Another process could still take one; on a benchmark machine it does not.
 */
public final class FreePorts {

  private static final Random RANDOM = new Random();

  private FreePorts() {}

  public static int pick() {
    int low = ephemeralPortsFrom();
    for (int attempt = 0; low > 11_000 && attempt < 1000; attempt++) {
      int port = 10_000 + RANDOM.nextInt(low - 10_000);
      if (bindable(port)) {
        return port;
      }
    }
    try (ServerSocket socket = new ServerSocket()) { // no room below the range
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  /** The first port of the kernel's ephemeral range (Linux's default where it cannot be read). */
  private static int ephemeralPortsFrom() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
