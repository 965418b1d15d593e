package io.filejobs.upload;

import io.filejobs.jobs.Failure;
import io.filejobs.jobs.JobFailure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * An upload as the original API takes it: a {@code multipart/form-data} body whose field {@code
 * file} carries the file (curl {@code -F file=@name}), read by {@link MultipartForm}. One file per
 * form; other fields are read and dropped within the form's limits.
 */
final class MultipartUpload implements UploadSource {

  /** The form field that carries the file, as in the original API. */
  static final String FIELD = "file";

  private final MultipartForm form;
  private Listener listener;
  private boolean fileSeen;
  private boolean over;

  private MultipartUpload(MultipartForm form) {
    this.form = form;
  }

  /**
   * The form in {@code body}, sent with {@code contentType}.
   *
   * @throws JobFailure 400 when the Content-Type names no usable boundary
   */
  static MultipartUpload of(ReadStream<Buffer> body, String contentType) {
    try {
      return new MultipartUpload(MultipartForm.of(body, contentType));
    } catch (MultipartForm.FormException e) {
      throw new JobFailure(Failure.BAD_REQUEST, e.getMessage());
    }
  }

  @Override
  public void start(Listener listener) {
    this.listener = listener;
    form.fileHandler(this::part).endHandler(v -> ended()).exceptionHandler(this::broken).start();
  }

  @Override
  public void discard() {
    over = true;
    form.discard(); // whatever was read already, or is read while the answer goes, is dropped
  }

  /** A part that carries a file name; its bytes are dropped unless handed on. */
  private void part(FilePart part) {
    if (over) {
      return;
    }
    if (fileSeen) {
      refuse("send one file per upload");
      return;
    }
    fileSeen = true;
    if (!FIELD.equals(part.name())) {
      refuse("send the file in the form field \"" + FIELD + "\"");
      return;
    }
    listener.file(part.filename(), part);
  }

  private void ended() {
    if (over) {
      return;
    }
    if (!fileSeen) {
      refuse("the form has no file in a field named \"" + FIELD + "\"");
    } else {
      listener.ended();
    }
  }

  private void broken(Throwable cause) {
    if (!over) {
      refuse(cause.getMessage());
    }
  }

  private void refuse(String why) {
    over = true;
    listener.refused(new JobFailure(Failure.BAD_REQUEST, why));
  }
}
