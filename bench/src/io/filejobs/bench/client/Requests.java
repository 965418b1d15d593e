package io.filejobs.bench.client;

import io.filejobs.bench.http.Wire;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** The requests of the service's API, written out as HTTP/1.1 text. */
public final class Requests {

  private Requests() {}

  public static String signin(String host, String username, String password) {
    return withJsonBody(
        "POST",
        "/signin",
        host,
        null,
        "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}");
  }

  public static String export(String host, String token, String filename) {
    return withJsonBody("POST", "/export", host, token, "{\"filename\":\"" + filename + "\"}");
  }

  public static String terminateUpload(String host, String token) {
    return withoutBody("DELETE", "/upload/terminate", host, token);
  }

  public static String terminateExport(String host, String token) {
    return withoutBody("POST", "/export/terminate", host, token);
  }

  private static String withoutBody(String method, String path, String host, String token) {
    return method
        + " "
        + path
        + " HTTP/1.1\r\nHost: "
        + host
        + "\r\nauth_token: "
        + token
        + "\r\nContent-Length: 0\r\n\r\n";
  }

  private static String withJsonBody(
      String method, String path, String host, String token, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    return method
        + " "
        + path
        + " HTTP/1.1\r\nHost: "
        + host
        + (token == null ? "" : "\r\nauth_token: " + token)
        + "\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length
        + "\r\n\r\n"
        + json;
  }

  /**
   * {@code POST /upload} of one file of {@code size} bytes in the form field {@code file}: the
   * request head, then the multipart {@link #preamble}, the file's bytes, and the {@link #epilogue}
   * (the closing boundary).
   */
  public record Upload(ByteBuffer head, ByteBuffer preamble, ByteBuffer epilogue, long size) {

    public static Upload of(String host, String token, String filename, long size) {
      // Random, so that it cannot occur in the random file bytes by chance worth mentioning.
      String boundary =
          "filejobs-bench-"
              + Long.toHexString(ThreadLocalRandom.current().nextLong())
              + Long.toHexString(ThreadLocalRandom.current().nextLong());
      ByteBuffer preamble =
          Wire.ascii(
              "--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                  + filename
                  + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
      ByteBuffer epilogue = Wire.ascii("\r\n--" + boundary + "--\r\n");
      long length = preamble.remaining() + size + epilogue.remaining();
      ByteBuffer head =
          Wire.ascii(
              "POST /upload HTTP/1.1\r\nHost: "
                  + host
                  + "\r\nauth_token: "
                  + token
                  + "\r\nContent-Type: multipart/form-data; boundary="
                  + boundary
                  + "\r\nContent-Length: "
                  + length
                  + "\r\n\r\n");
      return new Upload(head, preamble, epilogue, size);
    }

    /** Bytes of the body before the file's first byte. */
    public int preambleLength() {
      return preamble.capacity();
    }
  }
}
