package io.filejobs.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.streams.WriteStream;

/**
 * The body of an HTTP/1 response whose back-pressure is the socket's own: it is full as soon as the
 * bytes queued on the connection pass Netty's high-water mark (64 KiB), and drains when they fall
 * below the low one, so a client that stops reading stops the producer after one more write.
 *
 * <p>Why not the response's own {@code writeQueueFull()}: Vert.x 5.1 queues writes made while the
 * socket cannot take them in a queue of its own and says it is full only past 16 of them, however
 * large each is; with 256 KiB reads, an export whose client stopped reading held 4 MiB or more
 * (about 22 of them ran a 64 MiB heap out). Here the socket's state is read from the connection's
 * Netty channel ({@code io.vertx.core.net.impl.VertxConnection}, public but not Vert.x's API), and
 * a small handler placed before Vert.x's in its pipeline relays the moment it can take bytes again.
 * Any other response keeps Vert.x's own back-pressure.
 *
 * <p>On a Vert.x upgrade, check that HTTP/1 server connections are still {@code VertxConnection}s
 * and that Vert.x's handler in their pipeline is still named {@code "handler"}: otherwise every
 * sink falls back to Vert.x's own back-pressure without a word, and an export whose client stopped
 * reading holds megabytes again ({@code BoundedMemoryTest}'s unread exports under a 64 MiB heap are
 * what would show it). Also whether Vert.x's own queue now bounds bytes rather than writes: then
 * this class can go.
 *
 * <p>Everything runs on the connection's event loop.
 */
public final class SocketSink implements WriteStream<Buffer> {

  private static final String RELAY = "filejobs-writability";

  private final HttpServerResponse response;
  private final Channel channel;
  private final Relay relay;

  /** This sink's listener on the relay: a keep-alive connection's next response has its own. */
  private final Runnable listener = this::drained;

  private Handler<Void> drainHandler;

  private SocketSink(HttpServerResponse response, Channel channel, Relay relay) {
    this.response = response;
    this.channel = channel;
    this.relay = relay;
  }

  /** The body of {@code request}'s response. Call on the connection's event loop. */
  public static SocketSink of(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    if (request.connection() instanceof VertxConnection netty
        && netty.channel().isRegistered()
        && netty.channelHandlerContext() != null) {
      ChannelPipeline pipeline = netty.channel().pipeline();
      Relay relay = (Relay) pipeline.get(RELAY);
      if (relay == null && pipeline.get("handler") != null) {
        relay = new Relay();
        pipeline.addBefore("handler", RELAY, relay);
      }
      if (relay != null) {
        return new SocketSink(response, netty.channel(), relay);
      }
    }
    return new SocketSink(response, null, null);
  }

  @Override
  public Future<Void> write(Buffer data) {
    return response.write(data);
  }

  @Override
  public Future<Void> end() {
    return response.end();
  }

  /** Full while the response's own queue is, or the socket has more than it takes queued. */
  @Override
  public boolean writeQueueFull() {
    return response.writeQueueFull() || (channel != null && !channel.isWritable());
  }

  @Override
  public SocketSink drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    response.drainHandler(handler == null ? null : v -> drained());
    if (handler != null && relay != null) {
      relay.listener = listener;
    } else {
      letGo();
    }
    return this;
  }

  private void letGo() {
    if (relay != null && relay.listener == listener) {
      relay.listener = null;
    }
  }

  private void drained() {
    if (response.ended() || response.closed()) {
      // The connection lives on (keep-alive); this response's producer is done with it.
      letGo();
      return;
    }
    Handler<Void> handler = drainHandler;
    if (handler != null && !writeQueueFull()) {
      handler.handle(null);
    }
  }

  @Override
  public SocketSink exceptionHandler(Handler<Throwable> handler) {
    response.exceptionHandler(handler);
    return this;
  }

  @Override
  public SocketSink setWriteQueueMaxSize(int maxSize) {
    response.setWriteQueueMaxSize(maxSize);
    return this;
  }

  /** Tells the sink of the moment the channel can take bytes again, after Vert.x has seen it. */
  private static final class Relay extends ChannelInboundHandlerAdapter {
    private Runnable listener;

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
      ctx.fireChannelWritabilityChanged();
      Runnable current = listener;
      if (current != null && ctx.channel().isWritable()) {
        current.run();
      }
    }

    @Override
    public boolean isSharable() {
      return false;
    }
  }
}
