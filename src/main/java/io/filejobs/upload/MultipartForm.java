package io.filejobs.upload;

import io.filejobs.http.HeaderParameters;
import io.filejobs.transport.Buffers;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.Arrays;
import java.util.Map;

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
 * nothing. A part's header block is gathered by {@link PartHeaders}.
 *
 * <p>The form ends ({@link #endHandler}) once its closing delimiter has come and the request has
 * ended; a request that ends before the closing delimiter, or a body that breaks the framing or a
 * limit, fails it with a {@link FormException} instead ({@link #exceptionHandler}), after which
 * nothing more is delivered. Everything runs on the request's context.
 */
final class MultipartForm {

  /** Most parts that are not files (form fields). */
  static final int MAX_FIELDS = 32;

  /** Most bytes of one form field's value. */
  static final int MAX_FIELD_BYTES = 4096;

  /** Most bytes of one part's header block. */
  static final int MAX_PART_HEADER_BYTES = 8192;

  /** Most bytes before the first boundary (the preamble, which carries nothing). */
  static final int MAX_PREAMBLE_BYTES = 8192;

  /** Longest boundary RFC 2046 allows. */
  static final int MAX_BOUNDARY = 70;

  private enum State {
    PREAMBLE,
    FIELD,
    FILE,
    /** Right after a delimiter: {@code --} closes the form, white space and CRLF open a part. */
    AFTER_DELIMITER,
    AFTER_DELIMITER_DASH,
    AFTER_DELIMITER_CR,
    HEADERS,
    HEADERS_CR,
    EPILOGUE
  }

  private final ReadStream<Buffer> request;

  /** CRLF, two dashes, the boundary: what ends every part's content. */
  private final Delimiter delimiter;

  private State state = State.PREAMBLE;

  /** The start of a possible delimiter at the end of the last buffer (at most its length - 1). */
  private final byte[] carry;

  private int carryLength;

  /** The part of a buffer not yet read, kept while the file part is paused. */
  private Buffer pending;

  private boolean requestEnded;
  private boolean over;
  private int fields;
  private long partBytes;
  private final PartHeaders headers = new PartHeaders(MAX_PART_HEADER_BYTES);
  private FilePart file;
  private boolean paused;

  private Handler<FilePart> fileHandler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  private MultipartForm(ReadStream<Buffer> request, String boundary) {
    this.request = request;
    this.delimiter = new Delimiter(boundary);
    this.carry = new byte[delimiter.length()];
    // The body may open with the first delimiter's dashes at once: read it as if a CRLF came first.
    carry[0] = '\r';
    carry[1] = '\n';
    carryLength = 2;
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
    if (state == State.EPILOGUE) {
      over = true;
      if (endHandler != null) {
        endHandler.handle(null);
      }
    } else {
      fail("the form ended before its closing boundary");
    }
  }

  /** Reads {@code buffer} until it is used up, the file part is paused, or the form is over. */
  private void read(Buffer buffer) {
    ByteBuf buf = Buffers.byteBuf(buffer);
    byte[] array;
    int base;
    if (buf.hasArray()) {
      array = buf.array();
      base = buf.arrayOffset() + buf.readerIndex();
    } else {
      array = buffer.getBytes();
      base = 0;
    }
    int length = buffer.length();
    int pos = 0;
    while (pos < length && !over) {
      if (paused) {
        pending = buffer.slice(pos, length);
        return;
      }
      pos =
          switch (state) {
            case PREAMBLE, FIELD, FILE -> content(buffer, array, base, pos, length);
            default -> framing(array[base + pos]) ? pos + 1 : length;
          };
    }
  }

  /**
   * Reads content (of a part, or the preamble) from {@code pos}: up to the next delimiter, or to
   * the end of the buffer less what may be the start of one.
   *
   * @return where reading goes on
   */
  private int content(Buffer buffer, byte[] array, int base, int pos, int length) {
    int m = delimiter.length();
    if (carryLength > 0) {
      int need = m - carryLength;
      int compare = Math.min(need, length - pos);
      if (delimiter.continues(carryLength, array, base + pos, compare)) {
        if (compare == need) {
          carryLength = 0;
          delimiterFound();
          return pos + need;
        }
        System.arraycopy(array, base + pos, carry, carryLength, compare);
        carryLength += compare;
        return length;
      }
      // Not a delimiter after all: what was held back is content. (The delimiter holds one CR,
      // its first byte, so no later start hides in what was held.)
      int held = carryLength;
      carryLength = 0;
      if (!accept(Buffer.buffer(Arrays.copyOf(carry, held)))) {
        return pos;
      }
    }
    int found = delimiter.indexOf(array, base + pos, base + length);
    if (found >= 0) {
      int at = found - base;
      if (at > pos && !accept(buffer.slice(pos, at))) {
        return at; // read again from the delimiter once resumed
      }
      if (over) {
        return length;
      }
      delimiterFound();
      return at + m;
    }
    // Hold back the longest end of the buffer that starts the delimiter.
    int keep = length;
    for (int i = Math.max(pos, length - m + 1); i < length; i++) {
      if (delimiter.continues(0, array, base + i, length - i)) {
        keep = i;
        break;
      }
    }
    if (keep > pos) {
      accept(buffer.slice(pos, keep));
    }
    System.arraycopy(array, base + keep, carry, 0, length - keep);
    carryLength = length - keep;
    return length;
  }

  /**
   * Content bytes of the current part (or the preamble).
   *
   * @return false when the file part was paused by them (the caller keeps the rest for later)
   */
  private boolean accept(Buffer content) {
    partBytes += content.length();
    switch (state) {
      case PREAMBLE -> {
        if (partBytes > MAX_PREAMBLE_BYTES) {
          fail("the form does not begin with its boundary");
        }
      }
      case FIELD -> {
        if (partBytes > MAX_FIELD_BYTES) {
          fail("a form field is longer than " + MAX_FIELD_BYTES + " bytes");
        }
      }
      case FILE -> {
        file.deliver(content);
        return !paused;
      }
      default -> throw new IllegalStateException(state.name());
    }
    return true;
  }

  private void delimiterFound() {
    if (state == State.FILE) {
      FilePart ended = file;
      file = null;
      ended.ended();
    }
    state = State.AFTER_DELIMITER;
    partBytes = 0;
  }

  /**
   * One byte of the framing between parts: what follows a delimiter, and a part's headers.
   *
   * @return false when the form failed or is over
   */
  private boolean framing(byte b) {
    switch (state) {
      case AFTER_DELIMITER -> {
        if (b == '-') {
          state = State.AFTER_DELIMITER_DASH;
        } else if (b == '\r') {
          state = State.AFTER_DELIMITER_CR;
        } else if ((b == ' ' || b == '\t') && ++partBytes <= MAX_BOUNDARY) {
          // transport padding (RFC 2046 §5.1.1)
        } else {
          return fail("a boundary is not followed by a line end");
        }
      }
      case AFTER_DELIMITER_DASH -> {
        if (b != '-') {
          return fail("a boundary is not followed by a line end");
        }
        state = State.EPILOGUE;
        return false; // the rest is epilogue: nothing in it is read
      }
      case AFTER_DELIMITER_CR -> {
        if (b != '\n') {
          return fail("a boundary is not followed by a line end");
        }
        state = State.HEADERS;
        headers.reset();
      }
      case HEADERS -> {
        if (!headers.count()) {
          return fail("a part's headers are longer than " + MAX_PART_HEADER_BYTES + " bytes");
        }
        if (b == '\r') {
          state = State.HEADERS_CR;
        } else {
          headers.append(b);
        }
      }
      case HEADERS_CR -> {
        if (b != '\n') {
          return fail("a part's header line does not end with CRLF");
        }
        state = State.HEADERS;
        if (headers.lineIsEmpty()) {
          return beginPart();
        }
        if (!headers.endLine()) {
          return fail("a part's header line is not a header");
        }
      }
      case EPILOGUE -> {
        return false;
      }
      default -> throw new IllegalStateException(state.name());
    }
    return true;
  }

  private boolean beginPart() {
    String disposition = headers.get("content-disposition");
    Map<String, String> params = disposition == null ? null : HeaderParameters.parse(disposition);
    if (params == null || !"form-data".equals(params.get(""))) {
      return fail("a part has no Content-Disposition: form-data header");
    }
    String name = params.get("name");
    String filename = HeaderParameters.fileName(params);
    partBytes = 0;
    if (filename == null) {
      if (++fields > MAX_FIELDS) {
        return fail("the form has more than " + MAX_FIELDS + " fields");
      }
      state = State.FIELD;
      return true;
    }
    state = State.FILE;
    file = new FilePart(this, name, filename);
    if (fileHandler != null) {
      fileHandler.handle(file);
    }
    return !over;
  }

  private boolean fail(String message) {
    if (!over) {
      over = true;
      pending = null;
      if (exceptionHandler != null) {
        exceptionHandler.handle(new FormException(message));
      }
    }
    return false;
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
