package io.filejobs.bench.peer;

import io.filejobs.bench.SourceFile;
import io.filejobs.bench.client.ExportClient;
import io.filejobs.bench.client.UploadClient;
import io.filejobs.bench.service.MemoryWindow;
import io.filejobs.bench.service.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The baselines as a peer: uploads go to the plain receiver, exports come from the {@code
 * transferTo} sender, which serves the service's own uploads folder (so both send the very same
 * file). The requests carry a token too, so that they are the same bytes as the service's.
 */
public final class BaselinePeer implements Peer {

  private final Baseline baseline;
  private final Tokens tokens;

  public BaselinePeer(Baseline baseline, Tokens tokens) {
    this.baseline = baseline;
    this.tokens = tokens;
  }

  @Override
  public String label() {
    return "baseline";
  }

  @Override
  public UploadClient.Result upload(String user, String name, SourceFile source)
      throws IOException {
    return UploadClient.upload(baseline.receiver(), tokens.token(user), name, source.path());
  }

  @Override
  public ExportClient.Result export(String user, String name) throws IOException {
    // The sender serves paths under the uploads folder: the same file the service exports.
    return ExportClient.export(baseline.sender(), tokens.token(user), user + "/" + name);
  }

  @Override
  public void checkAndRemoveUpload(
      String user, String name, UploadClient.Result result, SourceFile source) throws IOException {
    Peer.checkAnswer(this, result);
    // The receiver stores the whole body: the file sits after the multipart preamble.
    Path stored = Path.of(result.answer());
    if (Files.size(stored) < result.preambleLength() + source.size()
        || !source.matches(stored, result.preambleLength())) {
      throw new IllegalStateException("baseline: " + stored + " is not a copy of " + source.path());
    }
    Files.delete(stored);
  }

  @Override
  public Optional<MemoryWindow> memoryWindow() {
    return Optional.empty();
  }
}
