package io.filejobs.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * tus's {@code Upload-Metadata}: comma-separated pairs of a key and its value in base64, or a key
 * alone. Only the file's name is taken from it: {@code filename}, as tus-js-client's examples and
 * Uppy send it, or else {@code name}, as Uppy also does.
 */
final class TusMetadata {

  private TusMetadata() {}

  /**
   * The file name in {@code header}, decoded as UTF-8 (its naming rules are the upload job's).
   *
   * @throws ApiError 400 when the header is malformed or names no file
   */
  static String filename(String header) {
    Map<String, String> pairs = parse(header);
    String name = pairs.containsKey("filename") ? pairs.get("filename") : pairs.get("name");
    if (name == null || name.isEmpty()) {
      throw ApiError.badRequest(
          "send the file's name in Upload-Metadata: filename <the name in base64>");
    }
    return name;
  }

  /** {@code key} and {@code value}, as one pair of the header. */
  static String of(String key, String value) {
    return key + " " + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, String> parse(String header) {
    Map<String, String> pairs = new HashMap<>();
    if (header == null || header.isBlank()) {
      return pairs;
    }
    for (String pair : header.split(",", -1)) {
      String[] parts = pair.trim().split(" ", -1);
      if (parts.length > 2 || parts[0].isEmpty() || pairs.containsKey(parts[0])) {
        throw malformed();
      }
      pairs.put(parts[0], parts.length == 1 ? "" : decode(parts[1]));
    }
    return pairs;
  }

  private static String decode(String base64) {
    try {
      byte[] bytes = Base64.getDecoder().decode(base64);
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (IllegalArgumentException | CharacterCodingException e) {
      throw malformed();
    }
  }

  private static ApiError malformed() {
    return ApiError.badRequest(
        "Upload-Metadata must be comma-separated pairs of a key and a base64 value, each key once");
  }
}
