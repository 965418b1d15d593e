package io.filejobs.http;

import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The parameters of a header value such as {@code Content-Type} or {@code Content-Disposition} (RFC
 * 9110 §5.6.6: {@code value; name=token; name="quoted"}), with RFC 5987 extended values ({@code
 * filename*=UTF-8''...}) for file names. One parser for the HTTP layer's media types and the
 * multipart reader's part headers.
 */
public final class HeaderParameters {

  private HeaderParameters() {}

  /** The media type of a {@code Content-Type} value, in lower case, without its parameters. */
  public static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
        .trim()
        .toLowerCase(Locale.ROOT);
  }

  /**
   * A header value's parameters, names in lower case, with the value before the first {@code ;}
   * (lower case) under {@code ""}; null when a quoted string is not closed.
   */
  public static Map<String, String> parse(String value) {
    Map<String, String> params = new LinkedHashMap<>();
    int semicolon = value.indexOf(';');
    params.put(
        "",
        (semicolon < 0 ? value : value.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT));
    int i = semicolon < 0 ? value.length() : semicolon + 1;
    while (i < value.length()) {
      int equals = value.indexOf('=', i);
      int nextSemicolon = value.indexOf(';', i);
      if (equals < 0 || (nextSemicolon >= 0 && nextSemicolon < equals)) {
        i = nextSemicolon < 0 ? value.length() : nextSemicolon + 1; // a parameter with no value
        continue;
      }
      String name = value.substring(i, equals).trim().toLowerCase(Locale.ROOT);
      int j = equals + 1;
      while (j < value.length() && value.charAt(j) == ' ') {
        j++;
      }
      StringBuilder parsed = new StringBuilder();
      if (j < value.length() && value.charAt(j) == '"') {
        j++;
        boolean closed = false;
        while (j < value.length()) {
          char c = value.charAt(j++);
          if (c == '"') {
            closed = true;
            break;
          }
          // A backslash escapes the next character (RFC 9110 quoted-pair), but browsers send
          // Windows paths unescaped: keep a backslash that escapes nothing special.
          if (c == '\\'
              && j < value.length()
              && (value.charAt(j) == '"' || value.charAt(j) == '\\')) {
            c = value.charAt(j++);
          }
          parsed.append(c);
        }
        if (!closed) {
          return null;
        }
        int end = value.indexOf(';', j);
        i = end < 0 ? value.length() : end + 1;
      } else {
        int end = value.indexOf(';', j);
        parsed.append(value, j, end < 0 ? value.length() : end);
        i = end < 0 ? value.length() : end + 1;
      }
      params.putIfAbsent(name, name.endsWith("*") ? parsed.toString() : parsed.toString().trim());
    }
    return params;
  }

  /**
   * The part's file name: {@code filename*} (RFC 5987: {@code charset'lang'percent-encoded}) when
   * it can be read, else {@code filename}; null when the part carries neither (a plain field).
   */
  public static String fileName(Map<String, String> params) {
    String extended = params.get("filename*");
    if (extended != null) {
      int first = extended.indexOf('\'');
      int second = first < 0 ? -1 : extended.indexOf('\'', first + 1);
      if (second > 0) {
        try {
          Charset charset = Charset.forName(extended.substring(0, first).trim());
          return URLDecoder.decode(extended.substring(second + 1).replace("+", "%2B"), charset);
        } catch (IllegalArgumentException e) {
          // an unknown charset or a broken escape: fall back to filename
        }
      }
    }
    return params.get("filename");
  }
}
