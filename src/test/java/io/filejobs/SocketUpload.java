package io.filejobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An upload by a plain blocking socket on its own thread, the way curl sends one: a multipart body
 * framed by Content-Length, sent in chunks with a pause after each. It knows exactly what it has
 * sent, so a test can tell a file whose client finished sending from one cut short.
 */
final class SocketUpload implements AutoCloseable {

  final String user;
  final String name;
  final byte[] content;

  /** Set once the whole body, closing boundary included, was written. */
  volatile boolean finishedSending;

  /** The answer's status code, 0 while none came. */
  volatile int status;

  volatile long sent;

  private final Socket socket;
  private final CountDownLatch done = new CountDownLatch(1);

  private SocketUpload(String user, String name, byte[] content, Socket socket) {
    this.user = user;
    this.name = name;
    this.content = content;
    this.socket = socket;
  }

  /** Starts sending {@code content} as {@code name}, {@code chunk} bytes every {@code pauseMs}. */
  static SocketUpload start(
      int port, String user, String token, String name, byte[] content, int chunk, long pauseMs)
      throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    SocketUpload upload = new SocketUpload(user, name, content, socket);
    Thread sender =
        new Thread(() -> upload.send(token, chunk, pauseMs), "upload-" + user + "-" + name);
    sender.setDaemon(true);
    sender.start();
    // Like curl, read the answer while sending: a server may answer (and close) before the end.
    Thread reader = new Thread(upload::receive, "upload-answer-" + user + "-" + name);
    reader.setDaemon(true);
    reader.start();
    return upload;
  }

  private void send(String token, int chunk, long pauseMs) {
    try {
      byte[] head = SlowClients.partHead("file", name).getBytes();
      byte[] tail = SlowClients.closing().getBytes();
      long length = head.length + content.length + tail.length;
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nauth_token: "
                  + token
                  + "\r\nContent-Type: multipart/form-data; boundary="
                  + SlowClients.BOUNDARY
                  + "\r\nContent-Length: "
                  + length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(head);
      for (int at = 0; at < content.length && status == 0; at += chunk) {
        int n = Math.min(chunk, content.length - at);
        out.write(content, at, n);
        out.flush();
        sent += n;
        if (pauseMs > 0) {
          Thread.sleep(pauseMs);
        }
      }
      if (status == 0) {
        out.write(tail);
        out.flush();
        finishedSending = true;
      }
    } catch (IOException | InterruptedException e) {
      // the server went away, or the test closed the socket
    }
  }

  private void receive() {
    try {
      status = readStatus(socket.getInputStream());
    } catch (IOException | RuntimeException e) {
      // the connection ended without an answer
    } finally {
      done.countDown();
    }
  }

  private static int readStatus(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
      line.append((char) c);
    }
    String[] parts = line.toString().split(" ");
    return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
  }

  /** Waits for the answer (or the connection's end without one) for up to {@code seconds}. */
  boolean await(long seconds) throws InterruptedException {
    return done.await(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /**
   * Closes the connection: with {@code reset}, abortively (the server sees a reset); otherwise with
   * a FIN at once (a plain close waits for the thread blocked reading the answer).
   */
  void close(boolean reset) throws IOException {
    if (reset) {
      socket.setSoLinger(true, 0);
    } else {
      socket.shutdownOutput();
    }
    socket.close();
  }
}
