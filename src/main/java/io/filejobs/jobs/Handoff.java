package io.filejobs.jobs;

import io.filejobs.transport.SocketBody;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.core.streams.WriteStream;
import java.util.UUID;
import java.util.function.Function;

/**
 * An HTTP exchange handed from the HTTP verticle to a job verticle of the same process: bytes never
 * cross the event bus, so a start request names its handoff by id and the job verticle takes it
 * from a shared local map.
 *
 * <p>The job runs on {@link #context()}, the event loop of the request's connection, because the
 * request and every file it opens there deliver their events on it. The job completes {@link
 * #outcome()} when it ends: with its result, or with a {@link JobFailure}.
 */
public final class Handoff implements Shareable {

  private final String id;
  private final HttpServerRequest request;
  private final SocketBody body;
  private final Function<JsonObject, WriteStream<Buffer>> answer;
  private final Context context;
  private final Thread thread;
  private final Promise<JsonObject> outcome;

  private Handoff(
      HttpServerRequest request,
      SocketBody body,
      Function<JsonObject, WriteStream<Buffer>> answer,
      Context context) {
    this.id = UUID.randomUUID().toString();
    this.request = request;
    this.body = body;
    this.answer = answer;
    this.context = context;
    this.thread = Thread.currentThread();
    this.outcome = Promise.promise();
  }

  /**
   * Parks {@code request} (which must be paused) for a job verticle, under a fresh {@link #id}.
   * Call on the request's context.
   */
  public static Handoff park(Vertx vertx, HttpServerRequest request) {
    return park(vertx, request, null);
  }

  /**
   * Parks {@code request} for a job that answers it with bytes: {@code answer} opens the answer
   * from what the job tells of it ({@code {"filename","total"}}: the HTTP layer sets its status and
   * headers) and returns the stream to write the bytes into.
   */
  public static Handoff parkAnswering(
      Vertx vertx, HttpServerRequest request, Function<JsonObject, WriteStream<Buffer>> answer) {
    Handoff handoff = new Handoff(request, null, answer, vertx.getOrCreateContext());
    map(vertx).put(handoff.id, handoff);
    return handoff;
  }

  /**
   * Parks {@code request} with its {@code body}, held back since the request began (see {@link
   * SocketBody}), for a job that streams it.
   */
  public static Handoff park(Vertx vertx, HttpServerRequest request, SocketBody body) {
    Handoff handoff = new Handoff(request, body, null, vertx.getOrCreateContext());
    map(vertx).put(handoff.id, handoff);
    return handoff;
  }

  /** Takes the handoff {@code id} out of the map; null when there is none. */
  public static Handoff take(Vertx vertx, String id) {
    return id == null ? null : map(vertx).remove(id);
  }

  /** Drops this handoff if nobody took it (its start request failed). */
  public void discard(Vertx vertx) {
    map(vertx).removeIfPresent(id, this);
  }

  private static LocalMap<String, Handoff> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(JobBus.HANDOFFS_MAP);
  }

  public String id() {
    return id;
  }

  public HttpServerRequest request() {
    return request;
  }

  /** The request's body, held back at the socket, when the job is to stream it; else null. */
  public SocketBody body() {
    return body;
  }

  /**
   * Opens the answer with what the job tells of it ({@code {"filename","total"}}); the stream to
   * write its bytes into, and to end once they are all written.
   *
   * @throws IllegalStateException when the request was not parked for an answer of bytes
   */
  public WriteStream<Buffer> answer(JsonObject facts) {
    if (answer == null) {
      throw new IllegalStateException("this exchange takes no answer of bytes");
    }
    return answer.apply(facts);
  }

  public Context context() {
    return context;
  }

  /**
   * True when the caller runs on the event-loop thread of {@link #context()}: then it may act on
   * the request at once. (Vert.x hands each event-bus message its own duplicate of the consumer's
   * context, so the contexts themselves never compare equal.)
   */
  public boolean onContextThread() {
    return Thread.currentThread() == thread;
  }

  public Future<JsonObject> outcome() {
    return outcome.future();
  }

  /** Ends the exchange; the first call wins. */
  public void complete(JsonObject result) {
    outcome.tryComplete(result);
  }

  /** Ends the exchange with a failure; the first call wins. */
  public void fail(JobFailure failure) {
    outcome.tryFail(failure);
  }
}
