package io.filejobs.transport;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * Vert.x buffers and Netty's {@link ByteBuf}s seen as one another, without copying a byte.
 *
 * <p>Internal used: {@code io.vertx.core.internal.buffer.BufferInternal} (Vert.x 5.1), the
 * interface behind every Vert.x {@link Buffer}; Vert.x's public API has no way to put a buffer over
 * memory it did not allocate, or to reach the memory under one, short of a copy.
 *
 * <p>Why: an export hands its reads of pooled direct memory to the socket as they are ({@code
 * export.FileSource}: exports went from 0.78 to 1.01 of the sendfile baseline, 1 GiB, and from 0.72
 * to 0.87 with 32 at once), an upload hands its gathered writes to the file the same way ({@code
 * upload.GatheringWriter}: worker-pool CPU per uploaded GiB divided by five), and the multipart
 * reader scans the request's own bytes for the boundary ({@code upload.FormFraming}: uploads from
 * 280–330 to 460–730 MiB/s with curl). BENCHMARKS.md's tuning log has the runs.
 *
 * <p>On a Vert.x upgrade, check in {@code BufferImpl} that {@code BufferInternal.buffer(ByteBuf)}
 * still wraps without copying, that {@code unwrap()} returns that same {@code ByteBuf}, and that
 * {@code getByteBuf()} still returns a view of the same memory (in 5.1, a slice, made unreleasable
 * unless it is on the heap); and that writing such a buffer to a socket or a file neither copies
 * nor releases it (in 5.1 both write the unreleasable view), since its owner gives it back when the
 * write completes. {@code FileSourceTest}, {@code MultipartFormTest} and {@code BoundedMemoryTest}
 * check the bytes and that every buffer goes back; only the benchmark sees a copy come back.
 */
public final class Buffers {

  private Buffers() {}

  /**
   * The bytes of {@code buffer} as a Netty buffer over the same memory, with indexes of its own: no
   * copy (the multipart reader scans its array; a gathered write copies it in one go). Do not
   * release it or keep it past {@code buffer}'s own life.
   */
  public static ByteBuf byteBuf(Buffer buffer) {
    return ((BufferInternal) buffer).getByteBuf();
  }

  /**
   * A Vert.x buffer over {@code memory}'s readable bytes, with no copy. {@code memory} still
   * belongs to the caller, who gives it back (with {@link #unwrap}, once whatever the buffer was
   * written to has completed).
   */
  public static Buffer wrap(ByteBuf memory) {
    return BufferInternal.buffer(memory);
  }

  /** The Netty buffer that {@link #wrap} put {@code buffer} over: that very one, to give back. */
  public static ByteBuf unwrap(Buffer buffer) {
    return ((BufferInternal) buffer).unwrap();
  }
}
