package dev.outpost.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.cloud.impl.Accounts;
import dev.outpost.crypto.MachineCertificates;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.RelayMessage;
import dev.outpost.protocol.RelayWire;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.Wire;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access server with a real cloud, a relay and a connector on their real channels (with their
 * certificates), and operators on the REST API: rights, support access, relay choice, the one-time
 * token, the audit, and sessions that end when a user, a machine or support access goes.
 */
class RemoteSessionTest {
  @TempDir
  Path dir;

  private TestCloud cloud;
  private final BlockingQueue<RelayMessage> relayGot = new LinkedBlockingQueue<>();
  /** The certificates the cloud sends the relay (at registration, and when it renews it). */
  private final BlockingQueue<RelayMessage.Certificate> relayCertificates = new LinkedBlockingQueue<>();
  private final BlockingQueue<ChannelMessage> connectorGot = new LinkedBlockingQueue<>();
  private WebSocket relay;
  private WebSocket channel;
  private TestCloud.Device connector;
  /** What the stand-in relay answers an Expect with: null confirms, {@link #HOLD} holds the answer, else the error. */
  private final java.util.concurrent.atomic.AtomicReference<String> relayAnswer = new java.util.concurrent.atomic.AtomicReference<>();
  private static final String HOLD = "hold";

  @BeforeEach
  void start() throws Exception {
    cloud = TestCloud.start(dir.resolve("cloud"), null);
    var relayDevice = cloud.relay("relay-1", dir.resolve("relay-1"));
    relay = cloud.webSocket(relayDevice, "/relay/v1/channel", text -> {
      var message = Wire.fromJson(text, RelayMessage.class);
      if (message instanceof RelayMessage.Certificate certificate) {
        relayCertificates.add(certificate);
      } else {
        relayGot.add(message);
        // as a relay does: confirms the ticket (or refuses it, or holds the answer)
        var answer = relayAnswer.get();
        if (message instanceof RelayMessage.Expect expect && !HOLD.equals(answer)) {
          relay.writeTextMessage(Wire.toJsonString(new RelayMessage.Expected(expect.sessionId(), answer)));
        }
      }
    });
    relay.writeTextMessage(Wire.toJsonString(new RelayMessage.Register(Wire.VERSION, "eu-1", "eu-central",
        List.of("127.0.0.1:4444"), List.of(443), 100, RelayWire.VERSION)));
    connector = cloud.connector("conn-1", dir.resolve("conn-1"));
    channel = cloud.channel(connector, text -> {
      var message = Wire.fromJson(text, ChannelMessage.class);
      if (!(message instanceof ChannelMessage.Configure)) {
        connectorGot.add(message);
      }
    });
    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.Hello(Wire.VERSION,
        new MachineRef("conn-1", "conn-1 name", Role.CONNECTOR), List.of())));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cloud.get("/api/v1/relays").bodyAsJsonArray().size() == 1);
  }

  @AfterEach
  void stop() throws Exception {
    cloud.close();
  }

  @Test
  void anAdminsSessionIsOfferedMeasuredStartedAndAudited() throws Exception {
    var relays = cloud.get("/api/v1/relays").bodyAsJsonArray();
    String relayPin = MachineKeys.pin(Pem.readCertificates(TlsFiles.inFolder(dir.resolve("relay-1")).certificate()).get(0).getPublicKey());
    assertEquals(relayPin, relays.getJsonObject(0).getString("pin"), "the pin of the key the relay authenticated with");

    KeyPair operator = MachineKeys.generate();
    var offered = open(cloud.token, "conn-1 name", "127.0.0.1:22", operator);
    assertEquals(201, offered.statusCode(), offered.bodyAsString());
    var body = offered.bodyAsJsonObject();
    String id = body.getString("id");
    var chain = Pem.decodeCertificates(body.getString("certificate"), "answer");
    var ca = Pem.decodeCertificates(body.getString("ca"), "answer").get(0);
    var peer = MachineCertificates.verify(chain, ca, "operator", Instant.now());
    assertEquals(id, peer.uid(), "the operator certificate names the session");
    assertTrue(chain.get(0).getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofMinutes(11))), "short-lived");
    assertEquals("conn-1", body.getJsonObject("device").getString("uid"));

    var offer = (ChannelMessage.SessionOffer) connectorGot.poll(5, TimeUnit.SECONDS);
    assertNotNull(offer);
    assertEquals(id, offer.id());
    assertEquals(MachineKeys.pin(operator.getPublic()), offer.operatorPin());
    assertEquals("127.0.0.1:22", offer.target());
    assertEquals(List.of("eu-1"), offer.relays().stream().map(r -> r.name()).toList());

    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.SessionLatency(id, Map.of("eu-1", 900L), null)));
    var started = start(cloud.token, id, Map.of("eu-1", 1_200L));
    assertEquals(200, started.statusCode(), started.bodyAsString());
    String token = started.bodyAsJsonObject().getString("token");
    assertEquals("eu-1", started.bodyAsJsonObject().getJsonObject("relay").getString("name"));

    var expect = (RelayMessage.Expect) relayGot.poll(5, TimeUnit.SECONDS);
    // at its registration the relay got its current certificate (how renewed ones reach it)
    var certificate = relayCertificates.poll(5, TimeUnit.SECONDS);
    assertTrue(certificate != null && certificate.answer().certificate().contains("BEGIN CERTIFICATE"));
    assertEquals(id, expect.sessionId());
    assertEquals(Accounts.sha256(token), expect.tokenSha256(), "the relay holds only the token's SHA-256");
    assertEquals(MachineKeys.pin(operator.getPublic()), expect.operatorPin());
    String connectorPin = MachineKeys.pin(Pem.readCertificates(TlsFiles.inFolder(dir.resolve("conn-1")).certificate()).get(0).getPublicKey());
    assertEquals(connectorPin, expect.devicePin());
    var start = (ChannelMessage.SessionStart) connectorGot.poll(5, TimeUnit.SECONDS);
    assertEquals(token, start.token());
    assertEquals("eu-1", start.relay().name());

    relay.writeTextMessage(Wire.toJsonString(new RelayMessage.Ended(id, 1, System.currentTimeMillis(), 1_000, 2_000, "closed by the operator")));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> "ended".equals(audit(id).getString("outcome")));
    var row = audit(id);
    assertEquals(1_000, row.getLong("bytesToDevice"));
    assertEquals(2_000, row.getLong("bytesFromDevice"));
    assertEquals("eu-1", row.getString("relay"));
    assertEquals(TestCloud.USER, row.getString("user"));
    assertEquals("127.0.0.1:22", row.getString("target"));
    assertTrue(start(cloud.token, id, Map.of("eu-1", 1L)).statusCode() == 404, "a session starts once");
  }

  @Test
  void aUserWithoutTheRightIsRefusedAndAuditedUntilGrantedTheSite() throws Exception {
    assertEquals(201, cloud.post("/api/v1/users", new JsonObject().put("name", "tech").put("password", "a long enough password")).statusCode());
    String tech = login("tech", "a long enough password");
    var refused = open(tech, "conn-1", "127.0.0.1:3389", MachineKeys.generate());
    assertEquals(403, refused.statusCode());
    assertTrue(refused.bodyAsString().contains("may not reach"), refused.bodyAsString());
    assertEquals("refused", cloud.get("/api/v1/sessions").bodyAsJsonArray().getJsonObject(0).getString("outcome"));
    assertEquals(403, await(cloud.client.get("/api/v1/sessions").bearerTokenAuthentication(tech).send()).statusCode(),
        "the audit is for admins");

    var grant = await(cloud.client.put("/api/v1/users/tech/rights").bearerTokenAuthentication(cloud.token)
        .sendJsonObject(new JsonObject().put("sites", new JsonArray().add(cloud.siteId))));
    assertEquals(200, grant.statusCode(), grant.bodyAsString());
    assertEquals(201, open(tech, "conn-1", "127.0.0.1:3389", MachineKeys.generate()).statusCode());
  }

  @Test
  void supportUsersReachASiteOnlyWhileSupportIsOnAndTurningItOffEndsTheirSessions() throws Exception {
    assertEquals(201, cloud.post("/api/v1/users", new JsonObject().put("name", "vendor").put("password", "a long enough password")
        .put("admin", true).put("support", true)).statusCode());
    String vendor = login("vendor", "a long enough password");
    var off = open(vendor, "conn-1", "127.0.0.1:22", MachineKeys.generate());
    assertEquals(403, off.statusCode());
    assertTrue(off.bodyAsString().contains("support access is off"), off.bodyAsString());

    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.SupportState(true, false)));
    String id = openAndStart(vendor);

    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.SupportState(false, false)));
    assertEnded(id, "support access was turned off");
  }

  @Test
  void deletingTheUserOrRevokingTheMachineEndsRunningSessionsAtOnce() throws Exception {
    assertEquals(201, cloud.post("/api/v1/users", new JsonObject().put("name", "ops").put("password", "a long enough password")
        .put("admin", true)).statusCode());
    String ops = login("ops", "a long enough password");
    String first = openAndStart(ops);
    assertEquals(204, await(cloud.client.delete("/api/v1/users/ops").bearerTokenAuthentication(cloud.token).send()).statusCode());
    assertEnded(first, "the user was removed");
    assertEquals(401, await(cloud.client.get("/api/v1/machines").bearerTokenAuthentication(ops).send()).statusCode(),
        "its logins end too");

    String second = openAndStart(cloud.token);
    assertEquals(200, cloud.post("/api/v1/machines/conn-1/revoke", new JsonObject()).statusCode());
    var end = (RelayMessage.End) relayGot.poll(1, TimeUnit.SECONDS);
    assertNotNull(end, "the relay is told within a second");
    assertEquals(second, end.sessionId());
  }

  @Test
  void badRequestsAreRefusedWithAReasonAndChangeNothing() throws Exception {
    assertEquals(400, open(cloud.token, "conn-1", "no-port", MachineKeys.generate()).statusCode());
    assertEquals(400, open(cloud.token, "conn-1", "host:70000", MachineKeys.generate()).statusCode());
    var badCsr = await(cloud.client.post("/api/v1/sessions").bearerTokenAuthentication(cloud.token)
        .sendJsonObject(new JsonObject().put("device", "conn-1").put("target", "127.0.0.1:22").put("csr", "not a csr")));
    assertEquals(400, badCsr.statusCode(), badCsr.bodyAsString());
    var unknown = open(cloud.token, "nobody", "127.0.0.1:22", MachineKeys.generate());
    assertEquals(403, unknown.statusCode());
    assertTrue(unknown.bodyAsString().contains("no approved connector"), unknown.bodyAsString());
    assertEquals(404, start(cloud.token, "made-up", Map.of()).statusCode());
    assertEquals(0, cloud.get("/api/v1/sessions").bodyAsJsonArray().stream()
        .filter(row -> !"refused".equals(((JsonObject) row).getString("outcome"))).count(), "nothing opened");
    assertTrue(connectorGot.isEmpty(), "the connector was not bothered: " + connectorGot);
  }

  @Test
  void theConnectorsRefusalReachesTheOperator() throws Exception {
    var offered = open(cloud.token, "conn-1", "10.9.9.9:22", MachineKeys.generate());
    String id = offered.bodyAsJsonObject().getString("id");
    connectorGot.poll(5, TimeUnit.SECONDS);
    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.SessionLatency(id, Map.of(), "10.9.9.9:22 is outside the site policy")));
    var started = start(cloud.token, id, Map.of("eu-1", 100L));
    assertEquals(403, started.statusCode());
    assertTrue(started.bodyAsString().contains("outside the site policy"), started.bodyAsString());
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> "refused".equals(audit(id).getString("outcome")));
  }

  @Test
  void theEndsGetTheTokenOnlyOnceTheRelayHoldsTheTicket() throws Exception {
    relayAnswer.set(HOLD);
    String id = offeredAndMeasured(cloud.token);
    var started = cloud.client.post("/api/v1/sessions/" + id + "/start").bearerTokenAuthentication(cloud.token)
        .sendJsonObject(new JsonObject().put("latencyMicros", new JsonObject(Map.of("eu-1", 500L))));
    var expect = (RelayMessage.Expect) relayGot.poll(5, TimeUnit.SECONDS);
    assertNotNull(expect);
    org.awaitility.Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
        .until(() -> !started.isComplete() && connectorGot.isEmpty());

    relay.writeTextMessage(Wire.toJsonString(new RelayMessage.Expected(id, null)));
    var answer = await(started);
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    var start = (ChannelMessage.SessionStart) connectorGot.poll(5, TimeUnit.SECONDS);
    assertNotNull(start, "the connector is told once the relay confirmed");
    assertEquals(answer.bodyAsJsonObject().getString("token"), start.token());
    assertEquals(Accounts.sha256(start.token()), expect.tokenSha256());
  }

  @Test
  void aRelayOfAnotherLineVersionStaysOutOfThePool() throws Exception {
    var old = cloud.webSocket(cloud.relay("relay-old", dir.resolve("relay-old")), "/relay/v1/channel", text -> { });
    var closed = new java.util.concurrent.CompletableFuture<String>();
    old.closeHandler(v -> closed.complete(old.closeStatusCode() + " " + old.closeReason()));
    old.writeTextMessage(Wire.toJsonString(new RelayMessage.Register(Wire.VERSION, "us-1", "us-east",
        List.of("127.0.0.1:4445"), List.of(443), 100, 1)));
    var why = closed.get(5, TimeUnit.SECONDS);
    assertTrue(why.startsWith("1008 relay line version 1 unsupported"), why);
    var pool = cloud.get("/api/v1/relays").bodyAsJsonArray();
    assertEquals(1, pool.size(), pool.encode());
    assertEquals("eu-1", pool.getJsonObject(0).getString("name"));
  }

  @Test
  void aRelayThatNeverConfirmsTheTicketGetsTheSessionRefusedNamingIt() throws Exception {
    relayAnswer.set(HOLD);
    String id = offeredAndMeasured(cloud.token);
    var started = start(cloud.token, id, Map.of("eu-1", 500L));
    assertEquals(403, started.statusCode());
    assertTrue(started.bodyAsString().contains("relay eu-1 did not confirm the session within 5 s"), started.bodyAsString());
    assertTrue(relayGot.poll(1, TimeUnit.SECONDS) instanceof RelayMessage.Expect);
    assertTrue(relayGot.poll(1, TimeUnit.SECONDS) instanceof RelayMessage.End, "the relay drops the ticket");
    assertTrue(connectorGot.poll(1, TimeUnit.SECONDS) instanceof ChannelMessage.SessionEnd);
  }

  @Test
  void aRelayThatCannotTakeTheSessionRefusesItWithItsReasonAndAnAuditRecord() throws Exception {
    relayAnswer.set("the relay has its maximum of 100 sessions");
    String id = offeredAndMeasured(cloud.token);
    var started = start(cloud.token, id, Map.of("eu-1", 500L));
    assertEquals(403, started.statusCode());
    assertTrue(started.bodyAsString().contains("relay eu-1 cannot take the session: the relay has its maximum"),
        started.bodyAsString());
    var told = connectorGot.poll(5, TimeUnit.SECONDS);
    assertTrue(told instanceof ChannelMessage.SessionEnd, "the connector stops waiting: " + told);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> "refused".equals(audit(id).getString("outcome")));
  }

  // ---------------------------------------------------------------------------------------------

  /** A session to conn-1 offered to the connector, which reported its latency: its id. */
  private String offeredAndMeasured(String token) throws Exception {
    var offered = open(token, "conn-1", "127.0.0.1:22", MachineKeys.generate());
    assertEquals(201, offered.statusCode(), offered.bodyAsString());
    String id = offered.bodyAsJsonObject().getString("id");
    assertTrue(connectorGot.poll(5, TimeUnit.SECONDS) instanceof ChannelMessage.SessionOffer);
    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.SessionLatency(id, Map.of("eu-1", 500L), null)));
    return id;
  }

  private String openAndStart(String token) throws Exception {
    String id = offeredAndMeasured(token);
    assertEquals(200, start(token, id, Map.of("eu-1", 500L)).statusCode());
    assertTrue(relayGot.poll(5, TimeUnit.SECONDS) instanceof RelayMessage.Expect);
    assertTrue(connectorGot.poll(5, TimeUnit.SECONDS) instanceof ChannelMessage.SessionStart);
    return id;
  }

  private void assertEnded(String id, String reason) throws Exception {
    var end = (RelayMessage.End) relayGot.poll(1, TimeUnit.SECONDS);
    assertNotNull(end, "the relay is told within a second");
    assertEquals(id, end.sessionId());
    assertEquals(reason, end.reason());
    var dropped = (ChannelMessage.SessionEnd) connectorGot.poll(1, TimeUnit.SECONDS);
    assertNotNull(dropped, "the connector is told within a second");
    assertEquals(id, dropped.id());
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> "ended".equals(audit(id).getString("outcome")));
  }

  private JsonObject audit(String id) throws Exception {
    for (Object row : cloud.get("/api/v1/sessions").bodyAsJsonArray()) {
      if (((JsonObject) row).getString("id").equals(id)) {
        return (JsonObject) row;
      }
    }
    return new JsonObject();
  }

  private String login(String user, String password) throws Exception {
    var answer = await(cloud.client.post("/api/v1/login").sendJsonObject(new JsonObject()
        .put("organisation", TestCloud.ORGANISATION).put("user", user).put("password", password)));
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    return answer.bodyAsJsonObject().getString("token");
  }

  private HttpResponse<Buffer> open(String token, String device, String target, KeyPair keys) throws Exception {
    return await(cloud.client.post("/api/v1/sessions").bearerTokenAuthentication(token).sendJsonObject(new JsonObject()
        .put("device", device).put("target", target).put("csr", SigningRequest.create(keys, "operator"))));
  }

  private HttpResponse<Buffer> start(String token, String id, Map<String, Long> micros) throws Exception {
    return await(cloud.client.post("/api/v1/sessions/" + id + "/start").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("latencyMicros", new JsonObject(Map.copyOf(micros)))));
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return TestCloud.await(future);
  }
}
