package io.filejobs.bench.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;

/**
 * The benchmark's users file: {@code bench001} ... {@code benchNNN}, in the format of {@code
 * usersData.json}. Plain passwords: only the start-up probe signs in for real; every other request
 * carries a minted token ({@link Tokens}).
 */
public final class BenchUsers {

  private BenchUsers() {}

  public static String name(int index) {
    return String.format("bench%03d", index);
  }

  public static String password(String user) {
    return "pw-" + user;
  }

  /** Writes {@code count} users (numbered from 1) to {@code file}. */
  public static Path write(Path file, int count) throws IOException {
    StringJoiner users = new StringJoiner(",\n  ", "[\n  ", "\n]\n");
    for (int i = 1; i <= count; i++) {
      String user = name(i);
      users.add(
          "{\"username\": \""
              + user
              + "\", \"password\": \""
              + password(user)
              + "\", \"api_key\": \"KEY"
              + user.toUpperCase()
              + "\"}");
    }
    return Files.writeString(file, users.toString());
  }
}
