/**
 * The one door below Vert.x's public API: the only package that uses Vert.x or Netty internals
 * ({@code io.vertx.core.*.impl.*}, {@code io.vertx.core.internal.*}, {@code
 * io.netty.util.internal.*}) or reaches Netty's channel under a Vert.x connection. Each use is here
 * for a measured reason (the class's javadoc and BENCHMARKS.md's tuning log give it), and each is
 * to be checked when Vert.x or Netty is upgraded. {@code InternalsFenceTest} fails the build when
 * an import of an internal appears in any other package.
 *
 * <p>Every internal touched, and where:
 *
 * <ul>
 *   <li>{@code io.vertx.core.internal.buffer.BufferInternal}: {@code buffer(ByteBuf)}, {@code
 *       getByteBuf()}, {@code unwrap()}, in {@link io.filejobs.transport.Buffers} (a Vert.x buffer
 *       over pooled direct memory and back, and a view of a buffer's bytes, with no copy).
 *   <li>{@code io.vertx.core.net.impl.VertxConnection}: {@code channel()}, in {@link
 *       io.filejobs.transport.SocketReads} and {@link io.filejobs.transport.SocketSink}; {@code
 *       channelHandlerContext()}, in {@link io.filejobs.transport.Connections} (a close that does
 *       not wait for a stalled client) and {@link io.filejobs.transport.SocketSink} (whether
 *       Vert.x's handler is in place); its private field {@code autoRead}, read through a {@code
 *       VarHandle} in {@link io.filejobs.transport.SocketReads} (whether Vert.x itself wants the
 *       socket read).
 *   <li>The Netty channel behind a {@code VertxConnection}, which Vert.x owns: its config's {@code
 *       setRecvByteBufAllocator} (reads of up to 256 KiB, one per pass of the event loop) and
 *       {@code setAutoRead} (an upload's body paused at its socket), in {@link
 *       io.filejobs.transport.SocketReads}; {@code isWritable()} and a handler added to its
 *       pipeline before Vert.x's own (named {@code "handler"} in Vert.x 5.1), in {@link
 *       io.filejobs.transport.SocketSink} (an export's back-pressure at the socket's high-water
 *       mark).
 *   <li>{@code io.netty.util.internal.PlatformDependent.maxDirectMemory()}, in {@link
 *       io.filejobs.transport.BufferBudget} (the JVM's direct-memory limit, for the default
 *       budget).
 * </ul>
 *
 * <p>Public Netty API used here too, which needs no fence: {@code PooledByteBufAllocator} (the
 * budget's memory) and {@code ByteBuf}, which other packages also hold.
 */
package io.filejobs.transport;
