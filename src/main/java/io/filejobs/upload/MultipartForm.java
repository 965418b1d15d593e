package io.filejobs.upload;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A {@code multipart/form-data} request body (RFC 7578, framing of RFC 2046 §5.1.1) read as it
 * arrives: every part that carries a file name is handed on as a {@link FilePart}, a stream of
 * slices of the request's own buffers with back-pressure down to the request; other fields are read
 * and dropped within {@link #MAX_FIELDS} x {@link #MAX_FIELD_BYTES}.
 *
 * <p>Why not Vert.x's {@code setExpectMultipart} and {@code uploadHandler}: Netty's multipart
 * decoder behind them copies every byte into a buffer of its own and looks for the boundary with a
 * bounds-checked read per byte; a profile put most of an upload's event-loop time there
 * (BENCHMARKS.md). This reader finds the boundary with a Boyer-Moore-Horspool scan over the
 * buffer's array ({@link Delimiter}: a few reads per boundary length on file data) and copies
 * nothing. What the bytes mean is {@link FormFraming}'s, the state machine that also enforces the
 * limits below; this class is the stream over the request: its handlers, the file part's
 * back-pressure down to the request, and the request's end.
 *
 * <p>The form ends ({@link #endHandler}) once its closing delimiter has come and the request has
 * ended; a request that ends before the closing delimiter, or a body that breaks the framing or a
 * limit, fails it with a {@link FormException} instead ({@link #exceptionHandler}), after which
 * nothing more is delivered. Everything runs on the request's context.
 */
final class MultipartForm implements FormFraming.Listener {

  /** Most parts that are not files (form fields). */
  static final int MAX_FIELDS = 32;

  /** Most bytes of one form field's value. */
  static final int MAX_FIELD_BYTES = 4096;

  /** Most bytes of one part's header block. */
  static final int MAX_PART_HEADER_BYTES = 8192;

  /** Most bytes before the first boundary (the preamble, which carries nothing). */
  static final int MAX_PREAMBLE_BYTES = 8192;

  private final ReadStream<Buffer> request;
  private final FormFraming framing;

  /** The part of a buffer not yet read, kept while the file part is paused. */
  private Buffer pending;

  private boolean requestEnded;
  private boolean over;
  private FilePart file;
  private boolean paused;

  private Handler<FilePart> fileHandler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  private MultipartForm(ReadStream<Buffer> request, String boundary) {
    this.request = request;
    this.framing = new FormFraming(boundary, this);
  }

  /**
   * A reader of a form {@code body} sent with {@code contentType}; nothing is read before {@link
   * #start()}.
   *
   * @throws FormException when {@code contentType} names no usable boundary
   */
  static MultipartForm of(ReadStream<Buffer> body, String contentType) {
    return new MultipartForm(body, boundary(contentType));
  }

  /** Called with each part that carries a file name, before any of its bytes. */
  MultipartForm fileHandler(Handler<FilePart> handler) {
    this.fileHandler = handler;
    return this;
  }

  /** Called once the closing delimiter has come and the request has ended. */
  MultipartForm endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    return this;
  }

  /**
   * Called once, with a {@link FormException}, when the body breaks the form's framing or limits.
   */
  MultipartForm exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  /** Takes over the request's body and starts reading it. */
  void start() {
    request.handler(this::onBuffer);
    request.endHandler(v -> onRequestEnd());
    request.resume();
  }

  /**
   * Stops delivering anything: the rest of the body, if it is read at all, is dropped. Whether the
   * request reads on is the caller's (the HTTP layer's) to decide.
   */
  void discard() {
    over = true;
    pending = null;
  }

  // --- reading ---

  private void onBuffer(Buffer buffer) {
    if (over) {
      return;
    }
    if (pending != null) { // cannot happen while the request is paused; keep the order anyway
      pending = Buffer.buffer().appendBuffer(pending).appendBuffer(buffer);
      return;
    }
    read(buffer);
  }

  private void onRequestEnd() {
    requestEnded = true;
    if (!over && pending == null) {
      finish();
    }
  }

  private void finish() {
    if (framing.closed()) {
      over = true;
      if (endHandler != null) {
        endHandler.handle(null);
      }
    } else {
      failed("the form ended before its closing boundary");
    }
  }

  /** Reads {@code buffer} until it is used up, the file part is paused, or the form is over. */
  private void read(Buffer buffer) {
    int stopped = framing.read(buffer);
    if (stopped < buffer.length() && !over) { // the file part is paused: keep the rest
      pending = buffer.slice(stopped, buffer.length());
    }
  }

  // --- what the framing finds ---

  @Override
  public void fileBegins(String name, String filename) {
    file = new FilePart(this, name, filename);
    if (fileHandler != null) {
      fileHandler.handle(file);
    }
  }

  @Override
  public void fileBytes(Buffer content) {
    file.deliver(content);
  }

  @Override
  public void fileEnds() {
    FilePart ended = file;
    file = null;
    ended.ended();
  }

  @Override
  public void failed(String message) {
    if (!over) {
      over = true;
      pending = null;
      if (exceptionHandler != null) {
        exceptionHandler.handle(new FormException(message));
      }
    }
  }

  @Override
  public boolean filePaused() {
    return paused;
  }

  @Override
  public boolean over() {
    return over;
  }

  // --- back-pressure from the file part ---

  /** Back-pressure from the file part: stops reading the body. */
  void pause() {
    paused = true;
    request.pause();
  }

  /** The file part wants bytes again. */
  void resume() {
    if (!paused) {
      return;
    }
    paused = false;
    Buffer rest = pending;
    pending = null;
    if (rest != null && !over) {
      read(rest);
    }
    if (over || paused) {
      return;
    }
    if (pending == null && requestEnded) {
      finish();
    } else {
      request.resume();
    }
  }

  // --- header values ---

  /** The boundary named by a {@code multipart/form-data} Content-Type. */
  static String boundary(String contentType) {
    return Delimiter.boundary(contentType);
  }

  /** The body is not a form this reader accepts; the message says why, for the client. */
  static final class FormException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FormException(String message) {
      super(message, null, false, false);
    }
  }
}
