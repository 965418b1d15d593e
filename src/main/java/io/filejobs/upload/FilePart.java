package io.filejobs.upload;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * One part of the form that carries a file: its bytes as they arrive, as slices of the request's
 * buffers. Pausing it pauses the request.
 */
final class FilePart implements ReadStream<Buffer> {

  private final MultipartForm form;
  private final String name;
  private final String filename;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;

  FilePart(MultipartForm form, String name, String filename) {
    this.form = form;
    this.name = name;
    this.filename = filename;
  }

  /** The form field's name (null when the part names none). */
  String name() {
    return name;
  }

  /** The file name as the client sent it (reduce it before use: it may hold a path). */
  String filename() {
    return filename;
  }

  void deliver(Buffer data) {
    if (handler != null) {
      handler.handle(data);
    }
  }

  void ended() {
    if (endHandler != null) {
      endHandler.handle(null);
    }
  }

  /** Failures of the body are reported by the form's own exception handler, not here. */
  @Override
  public FilePart exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public FilePart handler(Handler<Buffer> handler) {
    this.handler = handler;
    return this;
  }

  @Override
  public FilePart pause() {
    form.pause();
    return this;
  }

  @Override
  public FilePart resume() {
    form.resume();
    return this;
  }

  @Override
  public FilePart fetch(long amount) {
    if (amount > 0) {
      form.resume();
    }
    return this;
  }

  @Override
  public FilePart endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }
}
