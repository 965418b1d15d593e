package io.filejobs.jobs;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.nio.charset.StandardCharsets;

/**
 * A failed reply on the event bus that keeps its {@link Failure}: to any requester it is the {@link
 * ReplyException} of {@code message.fail(status, message)} (failure code = the HTTP-like status, as
 * the contract says), and a requester that knows this class also learns the failure's code, which a
 * status alone cannot tell (409 is {@code conflict} or {@code terminated}; 503 is {@code
 * unavailable}, {@code stopping} or {@code busy}).
 *
 * <p>Why a class and a codec: {@code message.fail} carries only an int and a text. A reply whose
 * body is a {@code ReplyException} fails the request with it, and Vert.x picks a default codec
 * registered for the body's class, so the code crosses a cluster too ({@link #registerCodec}, on
 * every node).
 */
public final class FailureReply extends ReplyException {

  private static final long serialVersionUID = 1L;

  private final Failure failure;

  public FailureReply(Failure failure, String message) {
    super(ReplyFailure.RECIPIENT_FAILURE, failure.status(), message);
    this.failure = failure;
  }

  public Failure failure() {
    return failure;
  }

  /** Lets {@code vertx}'s event bus carry these between nodes; idempotent. */
  public static void registerCodec(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(FailureReply.class, new Codec());
    } catch (IllegalStateException alreadyRegistered) {
      // another deployment on this Vert.x instance did it
    }
  }

  /** {@code [length of code][code][message]} in UTF-8; the status follows from the code. */
  private static final class Codec implements MessageCodec<FailureReply, FailureReply> {

    @Override
    public void encodeToWire(Buffer buffer, FailureReply reply) {
      byte[] code = reply.failure.code().getBytes(StandardCharsets.UTF_8);
      byte[] message = String.valueOf(reply.getMessage()).getBytes(StandardCharsets.UTF_8);
      buffer.appendInt(code.length).appendBytes(code);
      buffer.appendInt(message.length).appendBytes(message);
    }

    @Override
    public FailureReply decodeFromWire(int pos, Buffer buffer) {
      int codeLength = buffer.getInt(pos);
      String code = buffer.getString(pos + 4, pos + 4 + codeLength, "UTF-8");
      int at = pos + 4 + codeLength;
      int messageLength = buffer.getInt(at);
      String message = buffer.getString(at + 4, at + 4 + messageLength, "UTF-8");
      return new FailureReply(Failure.forCode(code), message);
    }

    @Override
    public FailureReply transform(FailureReply reply) {
      return reply;
    }

    @Override
    public String name() {
      return "filejobs.failure";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
