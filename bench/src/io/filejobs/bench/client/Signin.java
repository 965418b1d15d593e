package io.filejobs.bench.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real {@code POST /signin}: what the start-up figure waits for. */
public final class Signin {

  private static final Pattern TOKEN = Pattern.compile("\"auth_token\"\\s*:\\s*\"([^\"]+)\"");

  private Signin() {}

  /**
   * The token, or empty when the service does not take the connection yet or does not answer 200.
   */
  public static Optional<String> attempt(
      InetSocketAddress address, String username, String password) {
    try (Connection connection = Connection.small(address)) {
      Connection.Answer answer =
          connection.exchange(Requests.signin(connection.host(), username, password));
      Matcher token = TOKEN.matcher(answer.body());
      return answer.status() == 200 && token.find()
          ? Optional.of(token.group(1))
          : Optional.empty();
    } catch (IOException notYet) {
      return Optional.empty();
    }
  }
}
