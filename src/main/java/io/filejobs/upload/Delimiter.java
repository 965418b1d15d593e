package io.filejobs.upload;

import io.filejobs.http.HeaderParameters;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * The delimiter that ends every part of a multipart body (CRLF, two dashes, the boundary: RFC 2046
 * §5.1.1), found in the body's bytes with a Boyer-Moore-Horspool scan: on file data it reads a few
 * bytes per delimiter length, where a byte-by-byte search reads every one.
 */
final class Delimiter {

  /** Longest boundary RFC 2046 allows. */
  static final int MAX_BOUNDARY = 70;

  private final byte[] bytes;

  /** How far the delimiter may move when its last position holds a given byte. */
  private final int[] shift = new int[256];

  Delimiter(String boundary) {
    this.bytes = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    int last = bytes.length - 1;
    Arrays.fill(shift, bytes.length);
    for (int i = 0; i < last; i++) {
      shift[bytes[i] & 0xff] = last - i;
    }
  }

  int length() {
    return bytes.length;
  }

  /** The delimiter's first index in {@code array[from, to)}, or -1. */
  int indexOf(byte[] array, int from, int to) {
    int m = bytes.length;
    int last = m - 1;
    int i = from;
    while (i <= to - m) {
      byte b = array[i + last];
      if (b == bytes[last] && Arrays.equals(array, i, i + last, bytes, 0, last)) {
        return i;
      }
      i += shift[b & 0xff];
    }
    return -1;
  }

  /**
   * Whether the {@code count} bytes of {@code array} at {@code at} are the delimiter's from its
   * byte {@code from} on: how a delimiter split between two buffers is recognised.
   */
  boolean continues(int from, byte[] array, int at, int count) {
    return Arrays.equals(bytes, from, from + count, array, at, at + count);
  }

  /** The boundary named by a {@code multipart/form-data} Content-Type. */
  static String boundary(String contentType) {
    Map<String, String> params = contentType == null ? null : HeaderParameters.parse(contentType);
    String boundary = params == null ? null : params.get("boundary");
    if (boundary == null || boundary.isEmpty() || boundary.length() > MAX_BOUNDARY) {
      throw new MultipartForm.FormException("the Content-Type names no valid multipart boundary");
    }
    for (int i = 0; i < boundary.length(); i++) {
      char c = boundary.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new MultipartForm.FormException("the Content-Type names no valid multipart boundary");
      }
    }
    return boundary;
  }
}
