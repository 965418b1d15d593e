package io.filejobs.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.NoBlockedThreads;
import io.filejobs.transport.BufferBudget;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FileSource} over real files on a real Vert.x: the bytes in order, a pause that holds them
 * back, a file cut short under it, and every buffer back in the direct budget at the end.
 */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class FileSourceTest {

  private static final int CHUNK = 64 * 1024;

  @TempDir Path dir;

  private Context context;

  @Test
  @DisplayName("a file comes through whole and in order, and every buffer goes back")
  void wholeFile(Vertx vertx) throws Exception {
    byte[] content = write("a.bin", 5 * CHUNK + 123);
    long budgetBefore = BufferBudget.inUse();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    Promise<Void> ended = Promise.promise();
    onContext(
        vertx,
        () ->
            FileSource.open(vertx, dir.resolve("a.bin"), CHUNK)
                .onFailure(ended::tryFail)
                .onSuccess(
                    source -> {
                      assertEquals(content.length, source.length());
                      source
                          .exceptionHandler(ended::tryFail)
                          .endHandler(v -> source.close().onComplete(c -> ended.tryComplete()))
                          .handler(
                              buffer -> {
                                received.writeBytes(buffer.getBytes());
                                FileSource.release(buffer);
                              });
                    }));
    ended.future().await(10, TimeUnit.SECONDS);
    assertArrayEquals(content, received.toByteArray());
    assertEquals(budgetBefore, BufferBudget.inUse(), "direct memory not given back");
  }

  @Test
  @DisplayName(
      "a paused source hands on nothing, holds the read it had under way, and a resume"
          + " goes on from there")
  void pauseHoldsBytes(Vertx vertx) throws Exception {
    byte[] content = write("b.bin", 4 * CHUNK);
    long budgetBefore = BufferBudget.inUse();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    Promise<Void> ended = Promise.promise();
    FileSource source = pausedWithReadUnderWay(vertx, "b.bin", received, ended);
    Thread.sleep(300); // time for the read under way to come back
    assertEquals(0, received.size(), "bytes were handed on while paused");
    assertEquals(budgetBefore + CHUNK, BufferBudget.inUse(), "the read buffer is not held");

    onContext(vertx, source::resume);
    ended.future().await(10, TimeUnit.SECONDS);
    assertArrayEquals(content, received.toByteArray());
    Promise<Void> closed = Promise.promise();
    onContext(vertx, () -> source.close().onComplete(closed));
    closed.future().await(10, TimeUnit.SECONDS);
    assertEquals(budgetBefore, BufferBudget.inUse());
  }

  @Test
  @DisplayName(
      "a pause in the task that sets the handler holds back even a read that is done at" + " once")
  void pauseRightAfterHandler(Vertx vertx) throws Exception {
    write("f.bin", 2 * CHUNK);
    long budgetBefore = BufferBudget.inUse();
    for (int round = 0; round < 40; round++) {
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      FileSource source = pausedWithReadUnderWay(vertx, "f.bin", received, Promise.promise());
      Thread.sleep(round % 4); // the close comes before, or after, the first read is back
      Promise<Integer> seen = Promise.promise();
      onContext(vertx, () -> source.close().onComplete(c -> seen.complete(received.size())));
      assertEquals(0, seen.future().await(10, TimeUnit.SECONDS), "round " + round);
      assertEquals(budgetBefore, BufferBudget.inUse(), "round " + round);
    }
  }

  @Test
  @DisplayName("a close gives back the buffer a paused source held")
  void closeWhilePaused(Vertx vertx) throws Exception {
    write("d.bin", 4 * CHUNK);
    long budgetBefore = BufferBudget.inUse();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    FileSource source = pausedWithReadUnderWay(vertx, "d.bin", received, Promise.promise());
    Thread.sleep(300);
    Promise<Void> closed = Promise.promise();
    onContext(vertx, () -> source.close().onComplete(closed));
    closed.future().await(10, TimeUnit.SECONDS);
    assertEquals(0, received.size());
    assertEquals(budgetBefore, BufferBudget.inUse(), "the held buffer was not given back");
  }

  @Test
  @DisplayName("a close with a read under way completes once that read's buffer is back")
  void closeWithReadUnderWay(Vertx vertx) throws Exception {
    write("e.bin", 64 * CHUNK);
    long budgetBefore = BufferBudget.inUse();
    for (int round = 0; round < 20; round++) {
      Promise<Void> closed = Promise.promise();
      onContext(
          vertx,
          () ->
              FileSource.open(vertx, dir.resolve("e.bin"), CHUNK)
                  .onFailure(closed::tryFail)
                  .onSuccess(
                      source -> {
                        source.handler(FileSource::release); // starts the first read
                        source.close().onComplete(closed);
                      }));
      closed.future().await(10, TimeUnit.SECONDS);
      assertEquals(
          budgetBefore, BufferBudget.inUse(), "round " + round + ": a buffer is still out");
    }
  }

  /** Opens {@code name} and pauses it in the task that starts its first read. */
  private FileSource pausedWithReadUnderWay(
      Vertx vertx, String name, ByteArrayOutputStream received, Promise<Void> ended)
      throws Exception {
    Promise<FileSource> opened = Promise.promise();
    onContext(
        vertx,
        () ->
            FileSource.open(vertx, dir.resolve(name), CHUNK)
                .onComplete(opened)
                .onSuccess(
                    source ->
                        source
                            .exceptionHandler(ended::tryFail)
                            .endHandler(v -> ended.tryComplete())
                            .handler(
                                buffer -> {
                                  received.writeBytes(buffer.getBytes());
                                  FileSource.release(buffer);
                                })
                            .pause()));
    return opened.future().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a file cut short after it was opened ends the stream where the file ends")
  void truncatedFile(Vertx vertx) throws Exception {
    write("c.bin", 6 * CHUNK);
    long budgetBefore = BufferBudget.inUse();
    Promise<FileSource> opened = Promise.promise();
    onContext(
        vertx,
        () ->
            FileSource.open(vertx, dir.resolve("c.bin"), CHUNK)
                .onComplete(opened)
                .onSuccess(FileSource::pause));
    FileSource source = opened.future().await(10, TimeUnit.SECONDS);
    try (FileChannel channel = FileChannel.open(dir.resolve("c.bin"), StandardOpenOption.WRITE)) {
      channel.truncate(2 * CHUNK + 10);
    }
    AtomicInteger bytes = new AtomicInteger();
    Promise<Void> ended = Promise.promise();
    onContext(
        vertx,
        () ->
            source
                .exceptionHandler(ended::tryFail)
                .endHandler(v -> source.close().onComplete(c -> ended.tryComplete()))
                .handler(
                    buffer -> {
                      bytes.addAndGet(buffer.length());
                      FileSource.release(buffer);
                    })
                .resume());
    ended.future().await(10, TimeUnit.SECONDS);
    assertEquals(6 * CHUNK, source.length(), "the length is the size when opened");
    assertEquals(2 * CHUNK + 10, bytes.get());
    assertEquals(budgetBefore, BufferBudget.inUse());
  }

  @Test
  @DisplayName("a file that is not there fails the open with NoSuchFileException")
  void missingFile(Vertx vertx) throws Exception {
    Promise<Throwable> failed = Promise.promise();
    onContext(
        vertx,
        () ->
            FileSource.open(vertx, dir.resolve("none.bin"), CHUNK)
                .onComplete(ar -> failed.tryComplete(ar.cause())));
    Throwable cause = failed.future().await(10, TimeUnit.SECONDS);
    assertTrue(cause instanceof java.nio.file.NoSuchFileException, String.valueOf(cause));
  }

  private byte[] write(String name, int size) throws Exception {
    byte[] content = new byte[size];
    new Random(size).nextBytes(content);
    Files.write(dir.resolve(name), content);
    return content;
  }

  /** Runs {@code action} on one event-loop context of {@code vertx}, the same every time. */
  private void onContext(Vertx vertx, Runnable action) {
    if (context == null) {
      context = vertx.getOrCreateContext();
    }
    context.runOnContext(v -> action.run());
  }
}
