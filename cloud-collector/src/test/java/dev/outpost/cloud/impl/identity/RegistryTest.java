package dev.outpost.cloud.impl.identity;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.cloud.impl.ClientError;
import dev.outpost.cloud.impl.Organisations;
import dev.outpost.cloud.impl.store.Database;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.Wire;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry on a real H2 file: what the HTTP API cannot make in a test, such as a token that expired. */
class RegistryTest {
  @TempDir
  Path dir;
  Vertx vertx;
  Database db;
  Registry registry;
  long organisation;
  int site;

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    db = Database.open(vertx, dir.resolve("db")).await(30, TimeUnit.SECONDS);
    organisation = db.write(c -> Organisations.create(db, c, "acme", "admin", "a long enough password"))
        .await(30, TimeUnit.SECONDS);
    registry = Registry.load(db, new OrganisationCas(dir), Duration.ofDays(365)).await(30, TimeUnit.SECONDS);
    site = registry.createSite(organisation, "main").await(30, TimeUnit.SECONDS).id();
  }

  @AfterEach
  void close() throws Exception {
    db.close().await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private Enrolment.Request request(String uid, String token) {
    return new Enrolment.Request(Wire.VERSION, token, SigningRequest.create(MachineKeys.generate(), uid), uid, Role.CONNECTOR);
  }

  @Test
  void anExpiredTokenIsRefusedAndEnrolsNothing() throws Exception {
    var token = registry.createToken(organisation, site, Role.CONNECTOR, Duration.ofMillis(200)).await(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > token.expiresAt().toEpochMilli());
    var refused = registry.enrol(request("conn-late", token.token()), null, null, "127.0.0.1");
    var e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> refused.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof ClientError error && error.status() == 403 && error.getMessage().contains("expired"),
        String.valueOf(e.getCause()));
    assertEquals(null, registry.identity("conn-late"));
  }

  @Test
  void aFreshTokenEnrolsOnceAndTheIdentitySurvivesAReload() throws Exception {
    var token = registry.createToken(organisation, site, Role.CONNECTOR, null).await(30, TimeUnit.SECONDS);
    var answer = registry.enrol(request("conn-1", token.token()), null, null, "127.0.0.1").await(30, TimeUnit.SECONDS);
    assertEquals(Enrolment.State.APPROVED, answer.state());
    var reloaded = Registry.load(db, new OrganisationCas(dir), Duration.ofDays(365)).await(30, TimeUnit.SECONDS);
    assertEquals(Enrolment.State.APPROVED, reloaded.identity("conn-1").state());
    var again = reloaded.enrol(request("conn-2", token.token()), null, null, "127.0.0.1");
    var e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> again.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("used already"), e.getCause().getMessage());
  }
}
