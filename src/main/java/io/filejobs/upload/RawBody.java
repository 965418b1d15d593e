package io.filejobs.upload;

import io.filejobs.transport.Buffers;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.security.MessageDigest;

/**
 * An upload whose request body is the file itself (a tus PATCH; {@code PUT /files/{name}} next),
 * under a name known before the body begins. When the request named a checksum, every byte is fed
 * into its digest on its way, in order.
 */
final class RawBody implements UploadSource, ReadStream<Buffer> {

  private final ReadStream<Buffer> body;
  private final String name;
  private final MessageDigest digest;
  private Listener listener;
  private Handler<Void> endHandler;
  private boolean over;

  /**
   * @param digest fed with every byte; null when the request named no checksum
   */
  RawBody(ReadStream<Buffer> body, String name, MessageDigest digest) {
    this.body = body;
    this.name = name;
    this.digest = digest;
  }

  @Override
  public void start(Listener listener) {
    this.listener = listener;
    listener.file(name, this);
  }

  @Override
  public void discard() {
    over = true;
  }

  @Override
  public RawBody handler(Handler<Buffer> handler) {
    if (handler == null || digest == null) {
      body.handler(handler);
    } else {
      body.handler(
          buffer -> {
            digest.update(Buffers.byteBuf(buffer).nioBuffer());
            handler.handle(buffer);
          });
    }
    return this;
  }

  @Override
  public RawBody endHandler(Handler<Void> handler) {
    endHandler = handler;
    body.endHandler(
        handler == null
            ? null
            : v -> {
              endHandler.handle(null);
              if (!over) {
                listener.ended();
              }
            });
    return this;
  }

  @Override
  public RawBody exceptionHandler(Handler<Throwable> handler) {
    body.exceptionHandler(handler);
    return this;
  }

  @Override
  public RawBody pause() {
    body.pause();
    return this;
  }

  @Override
  public RawBody resume() {
    body.resume();
    return this;
  }

  @Override
  public RawBody fetch(long amount) {
    body.fetch(amount);
    return this;
  }
}
