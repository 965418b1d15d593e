package io.filejobs.bench.peer;

import io.filejobs.bench.SourceFile;
import io.filejobs.bench.client.ExportClient;
import io.filejobs.bench.client.UploadClient;
import io.filejobs.bench.service.MemoryWindow;
import java.io.IOException;
import java.util.Optional;

/**
 * What a transfer is measured against: the service, or the baseline for the same bytes. The same
 * client code talks to both.
 */
public interface Peer {

  /** How the peer is named in the results. */
  String label();

  /** Uploads {@code source} as {@code user}'s file {@code name}. */
  UploadClient.Result upload(String user, String name, SourceFile source) throws IOException;

  /** Exports {@code user}'s stored file {@code name}. */
  ExportClient.Result export(String user, String name) throws IOException;

  /**
   * Checks that a finished upload stored exactly the source's bytes, then removes the stored file
   * (outside the timed part, so that the next run starts alike).
   *
   * @throws IllegalStateException when the bytes differ
   */
  void checkAndRemoveUpload(String user, String name, UploadClient.Result result, SourceFile source)
      throws IOException;

  /** A window on the server's memory, when it is a service started with a GC log. */
  Optional<MemoryWindow> memoryWindow();

  /** Fails unless an export answered 200 with exactly the source's bytes. */
  static void checkExport(Peer peer, ExportClient.Result result, SourceFile source) {
    if (result.status() != 200 || result.bytes() != source.size() || result.crc() != source.crc()) {
      throw new IllegalStateException(
          peer.label()
              + ": export of "
              + source.path().getFileName()
              + " answered "
              + result.status()
              + " with "
              + result.bytes()
              + " bytes, CRC32C "
              + result.crc()
              + " (expected "
              + source.size()
              + " bytes, CRC32C "
              + source.crc()
              + ") "
              + result.answer());
    }
  }

  /** Fails unless an upload answered 200. */
  static void checkAnswer(Peer peer, UploadClient.Result result) {
    if (result.status() != 200) {
      throw new IllegalStateException(
          peer.label() + ": upload answered " + result.status() + ": " + result.answer());
    }
  }
}
