package io.filejobs.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Cross-origin access to {@code /tus} for pages served elsewhere, from the origins an operator
 * lists ({@code FILEJOBS_CORS_ORIGINS}; none by default), through vertx-web's {@link CorsHandler}:
 * the tus methods and request headers are allowed, and the tus answer headers exposed, so that a
 * browser's tus client can read them.
 */
final class Cors {

  static final Set<String> REQUEST_HEADERS =
      Set.of(
          "Authorization",
          "auth_token",
          "Content-Type",
          "Tus-Resumable",
          "Upload-Length",
          "Upload-Defer-Length",
          "Upload-Offset",
          "Upload-Metadata",
          "Upload-Checksum",
          "X-HTTP-Method-Override",
          "X-Requested-With");

  static final Set<String> EXPOSED_HEADERS =
      Set.of(
          "Location",
          "Tus-Resumable",
          "Tus-Version",
          "Tus-Extension",
          "Tus-Max-Size",
          "Tus-Checksum-Algorithm",
          "Upload-Offset",
          "Upload-Length",
          "Upload-Defer-Length",
          "Upload-Metadata",
          "Upload-Expires",
          "Retry-After");

  private Cors() {}

  /** The handler for {@code origins} (comma-separated), or none when the list is empty. */
  static Optional<CorsHandler> of(String origins) {
    List<String> listed =
        Arrays.stream(origins.split(",")).map(String::trim).filter(o -> !o.isEmpty()).toList();
    if (listed.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        CorsHandler.create()
            .addOrigins(listed)
            .allowedMethods(
                Set.of(
                    HttpMethod.GET,
                    HttpMethod.HEAD,
                    HttpMethod.POST,
                    HttpMethod.PATCH,
                    HttpMethod.DELETE,
                    HttpMethod.OPTIONS))
            .allowedHeaders(REQUEST_HEADERS)
            .exposedHeaders(EXPOSED_HEADERS)
            .maxAgeSeconds(86400));
  }
}
