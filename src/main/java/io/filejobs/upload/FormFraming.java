package io.filejobs.upload;

import io.filejobs.http.HeaderParameters;
import io.filejobs.transport.Buffers;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.Map;

/**
 * The framing of a {@code multipart/form-data} body (RFC 2046 §5.1.1) as a state machine over its
 * bytes: the preamble, the delimiter that ends each part, what follows a delimiter, each part's
 * header block and its content, and the closing delimiter. It reads the buffers it is given, tells
 * its {@link Listener} where a file part begins, what its bytes are and where it ends, and fails
 * the form when the body breaks the framing or one of {@link MultipartForm}'s limits.
 *
 * <p>Why a class of its own: {@link MultipartForm} is a stream over the request (its handlers, the
 * file part's back-pressure, the request's end); this is what the bytes mean, and it holds nothing
 * back but the start of a delimiter split between two buffers. It pauses nothing either: it only
 * stops where its listener says the file part is paused, and says where. Content is scanned with
 * {@link Delimiter}; a part's header block is gathered by {@link PartHeaders}.
 */
final class FormFraming {

  /** What the framing finds, told to the form that reads the request, and what it asks of it. */
  interface Listener {
    /** A part that carries a file name begins, before any of its bytes. */
    void fileBegins(String name, String filename);

    /** Bytes of the file part under way: slices of the body's own buffers. */
    void fileBytes(Buffer content);

    /** The file part under way has ended: its delimiter came. */
    void fileEnds();

    /** The body breaks the framing or a limit; the message says why, for the client. */
    void failed(String message);

    /** True while the file part is paused: reading stops until it resumes. */
    boolean filePaused();

    /** True once the form is over (failed, discarded or ended): nothing more is read. */
    boolean over();
  }

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

  private final Listener listener;

  /** CRLF, two dashes, the boundary: what ends every part's content. */
  private final Delimiter delimiter;

  private State state = State.PREAMBLE;

  /** The start of a possible delimiter at the end of the last buffer (at most its length - 1). */
  private final byte[] carry;

  private int carryLength;
  private int fields;
  private long partBytes;
  private final PartHeaders headers = new PartHeaders(MultipartForm.MAX_PART_HEADER_BYTES);

  FormFraming(String boundary, Listener listener) {
    this.listener = listener;
    this.delimiter = new Delimiter(boundary);
    this.carry = new byte[delimiter.length()];
    // The body may open with the first delimiter's dashes at once: read it as if a CRLF came first.
    carry[0] = '\r';
    carry[1] = '\n';
    carryLength = 2;
  }

  /** True once the closing delimiter has come: whatever follows is epilogue, and not read. */
  boolean closed() {
    return state == State.EPILOGUE;
  }

  /**
   * Reads {@code buffer} until it is used up, the file part is paused, or the form is over.
   *
   * @return where reading stopped: the buffer's length once it is used up; less when the file part
   *     was paused, and the rest is to be read again once it resumes
   */
  int read(Buffer buffer) {
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
    while (pos < length && !listener.over() && !listener.filePaused()) {
      pos =
          switch (state) {
            case PREAMBLE, FIELD, FILE -> content(buffer, array, base, pos, length);
            default -> framing(array[base + pos]) ? pos + 1 : length;
          };
    }
    return pos;
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
      if (listener.over()) {
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
        if (partBytes > MultipartForm.MAX_PREAMBLE_BYTES) {
          fail("the form does not begin with its boundary");
        }
      }
      case FIELD -> {
        if (partBytes > MultipartForm.MAX_FIELD_BYTES) {
          fail("a form field is longer than " + MultipartForm.MAX_FIELD_BYTES + " bytes");
        }
      }
      case FILE -> {
        listener.fileBytes(content);
        return !listener.filePaused();
      }
      default -> throw new IllegalStateException(state.name());
    }
    return true;
  }

  private void delimiterFound() {
    if (state == State.FILE) {
      listener.fileEnds();
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
        } else if ((b == ' ' || b == '\t') && ++partBytes <= Delimiter.MAX_BOUNDARY) {
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
          return fail(
              "a part's headers are longer than " + MultipartForm.MAX_PART_HEADER_BYTES + " bytes");
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
      if (++fields > MultipartForm.MAX_FIELDS) {
        return fail("the form has more than " + MultipartForm.MAX_FIELDS + " fields");
      }
      state = State.FIELD;
      return true;
    }
    state = State.FILE;
    listener.fileBegins(name, filename);
    return !listener.over();
  }

  private boolean fail(String message) {
    listener.failed(message);
    return false;
  }
}
