package io.filejobs.bench.peer;

import io.filejobs.bench.SourceFile;
import io.filejobs.bench.client.ExportClient;
import io.filejobs.bench.client.UploadClient;
import io.filejobs.bench.service.MemoryWindow;
import io.filejobs.bench.service.ServiceNode;
import io.filejobs.bench.service.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The service under test: one node, its tokens, and where it publishes uploads. */
public final class ServicePeer implements Peer {

  private final String label;
  private final ServiceNode node;
  private final Tokens tokens;
  private final Path uploads;

  public ServicePeer(String label, ServiceNode node, Tokens tokens, Path uploads) {
    this.label = label;
    this.node = node;
    this.tokens = tokens;
    this.uploads = uploads;
  }

  @Override
  public String label() {
    return label;
  }

  @Override
  public UploadClient.Result upload(String user, String name, SourceFile source)
      throws IOException {
    return UploadClient.upload(node.address(), tokens.token(user), name, source.path());
  }

  @Override
  public ExportClient.Result export(String user, String name) throws IOException {
    return ExportClient.export(node.address(), tokens.token(user), name);
  }

  @Override
  public void checkAndRemoveUpload(
      String user, String name, UploadClient.Result result, SourceFile source) throws IOException {
    Peer.checkAnswer(this, result);
    Path stored = uploads.resolve(user).resolve(name);
    if (Files.size(stored) != source.size() || !source.matches(stored, 0)) {
      throw new IllegalStateException(label + ": " + stored + " is not a copy of " + source.path());
    }
    Files.delete(stored);
  }

  @Override
  public Optional<MemoryWindow> memoryWindow() {
    return node.launch().hasGcLog() ? Optional.of(node.memoryWindow()) : Optional.empty();
  }
}
