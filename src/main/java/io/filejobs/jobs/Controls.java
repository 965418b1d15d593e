package io.filejobs.jobs;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controls of one job, its handle ({@link Job}) for other verticles, acting on its {@link
 * Lifecycle}: terminate, pause with its time limit, resume, status and the stop of the node. Each
 * may be called from any thread and acts on the job's context; each answers as the contract says
 * (404 once the slot is free when the job has ended, 409 when its state does not allow it).
 */
final class Controls implements Job {

  private static final Logger log = LoggerFactory.getLogger(Controls.class);

  private final Lifecycle life;
  private final Vertx vertx;
  private final long maxPauseMs;
  private final String stoppedSuffix;
  private final String kind;
  private boolean paused;
  private long pauseTimer = -1;

  Controls(Lifecycle life, Vertx vertx, long maxPauseMs, String stoppedSuffix) {
    this.life = life;
    this.vertx = vertx;
    this.maxPauseMs = maxPauseMs;
    this.stoppedSuffix = stoppedSuffix;
    this.kind = life.kind();
  }

  @Override
  public String user() {
    return life.user();
  }

  /** The job has ended: a pause's time limit no longer applies. */
  void ended() {
    cancelPauseTimer();
  }

  private Phase phase() {
    return life.phase();
  }

  private String filename() {
    return life.filename();
  }

  private long bytes() {
    return life.bytes();
  }

  @Override
  public Future<JsonObject> terminate() {
    return onContext(
        answer -> {
          if (!controllable(answer)) {
            return;
          }
          long bytes = bytes();
          String what = what();
          log.info("{} terminated after {} bytes", what, bytes);
          life.fail(
                  Failure.TERMINATED,
                  what + " was terminated after " + bytes + " bytes" + stoppedSuffix)
              .onComplete(v -> answer.complete(life.summary(bytes)));
        });
  }

  @Override
  public Future<JsonObject> pause() {
    return onContext(
        answer -> {
          if (!flowing(answer)) {
            return;
          }
          if (paused) {
            answer.fail(new JobFailure(Failure.CONFLICT, "the " + kind + " is already paused"));
            return;
          }
          paused = true;
          life.progress().transfer.pause();
          pauseTimer = vertx.setTimer(maxPauseMs, id -> pausedTooLong());
          log.info("{} of {} by {} paused after {} bytes", kind, filename(), life.user(), bytes());
          life.progress().paused(true);
          answer.complete(life.progress().status());
        });
  }

  @Override
  public Future<JsonObject> resume() {
    return onContext(
        answer -> {
          if (!flowing(answer)) {
            return;
          }
          if (!paused) {
            answer.fail(new JobFailure(Failure.CONFLICT, "the " + kind + " is not paused"));
            return;
          }
          paused = false;
          cancelPauseTimer();
          life.progress().transfer.resume();
          log.info("{} of {} by {} resumed at {} bytes", kind, filename(), life.user(), bytes());
          life.progress().paused(false);
          answer.complete(life.progress().status());
        });
  }

  @Override
  public Future<JsonObject> status() {
    return onContext(
        answer -> {
          if (phase() == Phase.ENDED) {
            answerEnded(answer);
          } else {
            answer.complete(life.progress().status());
          }
        });
  }

  @Override
  public Future<Void> stopNow() {
    return onContext(
            answer -> {
              if (phase() == Phase.ENDED || phase() == Phase.FINISHING) {
                answer.complete();
                return;
              }
              long bytes = bytes();
              String what = what();
              log.info(
                  "{} by {} ended after {} bytes: the service is stopping",
                  what,
                  life.user(),
                  bytes);
              life.fail(
                      Failure.STOPPING,
                      "the service is stopping: "
                          + what
                          + " was ended after "
                          + bytes
                          + " bytes"
                          + stoppedSuffix
                          + "; try again in a moment")
                  .onComplete(v -> answer.complete());
            })
        .mapEmpty();
  }

  @Override
  public Future<JsonObject> interrupt(String why, boolean evenPaused) {
    return onContext(
        answer -> {
          if (phase() == Phase.ENDED) {
            answerEnded(answer);
            return;
          }
          if (!life.isResumable() || phase() == Phase.FINISHING) {
            answer.fail(new JobFailure(Failure.LOCKED, JobBus.lockedMessage(kind)));
            return;
          }
          JsonObject status = life.progress().status();
          if (paused && !evenPaused) {
            answer.complete(status);
            return;
          }
          log.info("{} by {} taken over at {} bytes", what(), life.user(), bytes());
          life.fail(Failure.SUPERSEDED, why).onComplete(v -> answer.complete(status));
        });
  }

  private String what() {
    return filename() == null ? "your " + kind : "the " + kind + " of " + filename();
  }

  private void pausedTooLong() {
    if (phase() != Phase.ENDED && paused) {
      log.info(
          "{} of {} by {} was paused for {} s: terminated",
          kind,
          filename(),
          life.user(),
          maxPauseMs / 1000);
      life.fail(
          Failure.TERMINATED,
          "the "
              + kind
              + " of "
              + filename()
              + " was paused longer than "
              + maxPauseMs / 1000
              + " s and was terminated"
              + stoppedSuffix);
    }
  }

  private void cancelPauseTimer() {
    if (pauseTimer >= 0) {
      vertx.cancelTimer(pauseTimer);
      pauseTimer = -1;
    }
  }

  /**
   * True when the job's flow can be paused or resumed: its bytes move and its source has more to
   * give; otherwise fails {@code answer} (404 or 409).
   */
  private boolean flowing(Promise<JsonObject> answer) {
    if (!controllable(answer)) {
      return false;
    }
    if (life.progress().transfer == null) {
      answer.fail(new JobFailure(Failure.CONFLICT, JobBus.notStartedMessage(kind)));
      return false;
    }
    if (life.progress().transfer.sourceEnded()) {
      answer.fail(new JobFailure(Failure.CONFLICT, JobBus.completeMessage(kind, filename())));
      return false;
    }
    return true;
  }

  /** True when the job can still be controlled; otherwise fails {@code answer} (404 or 409). */
  private boolean controllable(Promise<JsonObject> answer) {
    if (phase() == Phase.ENDED) {
      answerEnded(answer);
      return false;
    }
    if (phase() == Phase.FINISHING) {
      answer.fail(new JobFailure(Failure.CONFLICT, JobBus.completeMessage(kind, filename())));
      return false;
    }
    return true;
  }

  /**
   * Fails {@code answer} with 404 once the job's slot is free: a client told that nothing runs may
   * start again at once and must not get 409 from the slot this job still frees.
   */
  private void answerEnded(Promise<?> answer) {
    life.freed()
        .onComplete(
            v -> answer.fail(new JobFailure(Failure.NOT_FOUND, JobBus.nothingRunning(kind))));
  }

  /**
   * Runs {@code action} on the job's context: at once when called there, otherwise queued on it (a
   * control arrives on the context of the registry's consumer that took it). A queued task waits
   * behind the bytes its busy event loop is moving.
   */
  private <T> Future<T> onContext(Consumer<Promise<T>> action) {
    Promise<T> answer = Promise.promise();
    if (life.handoff().onContextThread()) {
      action.accept(answer);
    } else {
      life.handoff().context().runOnContext(v -> action.accept(answer));
    }
    return answer.future();
  }
}
