package io.filejobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.filejobs.jobs.JobBus;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Another service on the bus uses the documented addresses, as the README shows. */
@ExtendWith({VertxExtension.class, NoBlockedThreads.class})
class EventBusContractTest {

  @TempDir Path dir;

  @Test
  @DisplayName("another service terminates a user's running upload over the event bus")
  void terminateOverTheBus(Vertx vertx) throws Exception {
    TestServer server = TestServer.start(vertx, dir);
    HttpClient http = vertx.createHttpClient();
    SlowClients.Upload upload =
        SlowClients.Upload.start(
            vertx, http, server.port, server.utkal(), "bus.bin", 16 * 1024, 20, 1500);
    TestServer.await("the upload runs", () -> server.tempBytes() > 0);

    Message<JsonObject> reply =
        vertx
            .eventBus()
            .<JsonObject>request(JobBus.UPLOAD_TERMINATE, new JsonObject().put("user", "Utkal"))
            .await();

    assertEquals("Utkal", reply.body().getString("user"));
    assertEquals("upload", reply.body().getString("kind"));
    assertEquals("bus.bin", reply.body().getString("filename"));
    assertTrue(reply.body().getLong("bytes") > 0);
    assertTrue(server.tempFiles().isEmpty());
    assertFalse(Files.exists(server.uploads.resolve("Utkal/bus.bin")));
    upload.stop();
    http.close();
  }

  @Test
  @DisplayName("bus terminate requests fail with 404 when nothing runs and 400 without a user")
  void busFailures(Vertx vertx) {
    TestServer.start(vertx, dir);
    String[][] terminates = {
      {JobBus.UPLOAD_TERMINATE, JobBus.KIND_UPLOAD},
      {JobBus.EXPORT_TERMINATE, JobBus.KIND_EXPORT}
    };
    for (String[] terminate : terminates) {
      String address = terminate[0];
      ReplyException none =
          assertThrows(
              ReplyException.class,
              () ->
                  vertx.eventBus().request(address, new JsonObject().put("user", "John")).await());
      assertEquals(404, none.failureCode());
      assertEquals(JobBus.nothingRunning(terminate[1]), none.getMessage());
      ReplyException bad =
          assertThrows(
              ReplyException.class,
              () -> vertx.eventBus().request(address, new JsonObject()).await());
      assertEquals(400, bad.failureCode());
      assertEquals(JobBus.NO_USER_MESSAGE, bad.getMessage());
    }
    ReplyException start =
        assertThrows(
            ReplyException.class,
            () ->
                vertx
                    .eventBus()
                    .request(
                        JobBus.UPLOAD_START,
                        new JsonObject().put("user", "John").put("handoff", "no-such-handoff"))
                    .await());
    assertEquals(400, start.failureCode());
  }
}
