package io.filejobs.bench.service;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints the service's tokens without asking it: an HS256 JWT signed with the shared {@code
 * FILEJOBS_JWT_SECRET}, with {@code sub} naming the user and an {@code exp}, is all the service
 * checks. A real signin per benchmark user would cost the service a password check each, in the
 * middle of what is measured.
 */
public final class Tokens {

  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
  private static final String HEADER = encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");

  private final byte[] secret;

  public Tokens(String secret) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  /** A token for {@code user}, valid for two hours (longer than any benchmark run). */
  public String token(String user) {
    long now = System.currentTimeMillis() / 1000;
    String payload =
        encode(
            "{\"sub\":\""
                + user
                + "\",\"user\":\""
                + user
                + "\",\"iat\":"
                + now
                + ",\"exp\":"
                + (now + 7200)
                + "}");
    String signed = HEADER + "." + payload;
    return signed + "." + BASE64URL.encodeToString(hmac(signed));
  }

  private byte[] hmac(String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static String encode(String json) {
    return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
