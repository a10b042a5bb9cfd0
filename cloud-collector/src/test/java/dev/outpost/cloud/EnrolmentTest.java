package dev.outpost.cloud;

import static dev.outpost.cloud.TestCloud.await;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.EnrolmentToken;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.Wire;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enrolment and certificate checks of the cloud from outside, over real mutual TLS: tokens, signing
 * requests, the certificate on every device call, and revocation. Each refusal changes nothing else.
 */
class EnrolmentTest {
  @TempDir
  static Path dir;
  static TestCloud test;

  @BeforeAll
  static void start() throws Exception {
    test = TestCloud.start(dir.resolve("cloud"), null);
  }

  @AfterAll
  static void stop() throws Exception {
    if (test != null) {
      test.close();
    }
  }

  static void assertError(HttpResponse<Buffer> response, int status, String mentions) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    assertTrue(response.bodyAsJsonObject().getString("error").contains(mentions),
        "error mentions '" + mentions + "': " + response.bodyAsString());
  }

  static byte[] uploadOf(String via, MachineRef source) {
    var m = new Measurement("cpu", System.currentTimeMillis(), State.OK, Map.of("load", 1.0), Map.of(), "");
    return Wire.toCbor(new Upload(via, List.of(new Batch(source, 1, List.of(m)))));
  }

  @Test
  void aConnectorEnrolsWithItsTokenAndGetsACertificateForItsUidFromTheOrganisationsCa() throws Exception {
    var connector = test.connector("conn-ok", dir.resolve("conn-ok"));
    var tls = TlsFiles.inFolder(connector.folder());
    var chain = Pem.readCertificates(tls.certificate());
    var ca = Pem.readCertificates(tls.ca()).get(0);
    chain.get(0).verify(ca.getPublicKey());
    assertTrue(chain.get(0).getSubjectX500Principal().getName().contains("CN=conn-ok"));
    assertTrue(chain.get(0).getSubjectX500Principal().getName().contains("OU=connector"));
    assertEquals(Pem.readCertificates(test.dir.resolve(TlsFiles.CA_FILE)).get(0), ca, "the cloud's CA");

    var answer = connector.upload(uploadOf("conn-ok", new MachineRef("conn-ok", "C", Role.CONNECTOR)));
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    JsonArray approved = test.get("/api/v1/machines?state=approved").bodyAsJsonArray();
    assertTrue(approved.stream().map(JsonObject.class::cast).anyMatch(m -> m.getString("uid").equals("conn-ok")
        && m.getString("fingerprint").startsWith("SHA256:")));
  }

  @Test
  void aConnectorTokenWorksOnceAndOnlyForAConnector() throws Exception {
    String token = test.enrolmentToken(Role.CONNECTOR);
    assertError(test.enrol("conn-role", MachineKeys.generate(), Role.HUB, token), 403, "for a connector, not a hub");
    assertEquals(200, test.enrol("conn-once", MachineKeys.generate(), Role.CONNECTOR, token).statusCode());
    assertError(test.enrol("conn-twice", MachineKeys.generate(), Role.CONNECTOR, token), 403, "used already");
    assertEquals(404, test.get("/api/v1/machines/conn-twice").statusCode());
  }

  @Test
  void unknownMalformedAndForeignTokensAreRefused() throws Exception {
    var real = EnrolmentToken.parse(test.enrolmentToken(Role.CONNECTOR));
    var madeUp = new EnrolmentToken("A".repeat(43), real.caPin()).text();
    assertError(test.enrol("conn-x", MachineKeys.generate(), Role.CONNECTOR, madeUp), 403, "unknown enrolment token");
    assertError(test.enrol("conn-x", MachineKeys.generate(), Role.CONNECTOR, "not-a-token"), 400, "token");
    assertError(test.enrol("conn-x", MachineKeys.generate(), Role.CONNECTOR, null), 401, "token is required");

    try (var other = TestCloud.start(dir.resolve("other-cloud"), null)) {
      String foreign = other.enrolmentToken(Role.CONNECTOR);
      assertError(test.enrol("conn-x", MachineKeys.generate(), Role.CONNECTOR, foreign), 403, "unknown enrolment token");
    }
    assertTrue(test.get("/api/v1/machines?state=approved").bodyAsJsonArray().stream()
        .map(JsonObject.class::cast).noneMatch(m -> m.getString("uid").equals("conn-x")));
  }

  @Test
  void badAndTamperedSigningRequestsAreRefused() throws Exception {
    String token = test.enrolmentToken(Role.CONNECTOR);
    String csr = SigningRequest.create(MachineKeys.generate(), "conn-csr");
    var lines = csr.split("\n");
    String lastBody = lines[lines.length - 2];
    char flipped = lastBody.charAt(4) == 'A' ? 'B' : 'A';
    lines[lines.length - 2] = lastBody.substring(0, 4) + flipped + lastBody.substring(5);
    String tampered = String.join("\n", lines) + "\n";
    for (String bad : List.of(csr.substring(0, csr.length() / 2), tampered, "hello")) {
      var request = new JsonObject().put("v", Wire.VERSION).put("token", token).put("csr", bad)
          .put("name", "n").put("role", "connector");
      var answer = await(test.client.post("/device/v1/enrol").sendJsonObject(request));
      assertError(answer, 400, "csr");
    }
    assertEquals(200, test.enrol("conn-csr", MachineKeys.generate(), Role.CONNECTOR, token).statusCode(),
        "the refusals did not use up the token");
  }

  @Test
  void theSameUidWithAnotherKeyIsRefused() throws Exception {
    test.connector("conn-key", dir.resolve("conn-key"));
    assertError(test.enrol("conn-key", MachineKeys.generate(), Role.CONNECTOR, test.enrolmentToken(Role.CONNECTOR)),
        409, "another key");
  }

  @Test
  void deviceCallsNeedACertificateOfTheRightRole() throws Exception {
    var connector = test.connector("conn-roles", dir.resolve("conn-roles"));
    byte[] upload = uploadOf("conn-roles", new MachineRef("conn-roles", "C", Role.CONNECTOR));
    assertError(await(test.client.post("/device/v1/batches").putHeader("Content-Type", Wire.CBOR)
        .sendBuffer(Buffer.buffer(upload))), 401, "client certificate");

    var hubKeys = MachineKeys.generate();
    var enrolled = test.enrol("hub-roles", hubKeys, Role.HUB, test.enrolmentToken(Role.HUB));
    assertEquals(200, enrolled.statusCode());
    var answer = enrolled.bodyAsJsonObject();
    Path hubDir = dir.resolve("hub-roles");
    Files.createDirectories(hubDir);
    TlsFiles.write(hubDir, hubKeys, Pem.decodeCertificates(answer.getString("certificate"), "answer"),
        Pem.decodeCertificates(answer.getString("ca"), "answer").get(0));
    var hubClient = test.deviceClient(hubDir);
    assertError(await(hubClient.get("/device/v1/channel").putHeader("Upgrade", "websocket").send()), 403, "a hub may not use");
    assertError(await(connector.client().post("/device/v1/batches").putHeader("Content-Type", Wire.CBOR)
        .sendBuffer(Buffer.buffer(uploadOf("someone-else", new MachineRef("conn-roles", "C", Role.CONNECTOR))))), 403, "certificate is of");
  }

  @Test
  void aCertificateFromAnotherCaNeverGetsThrough() throws Exception {
    var foreignCa = CertificateAuthority.create(TestCloud.ORGANISATION);
    var keys = MachineKeys.generate();
    var certificate = foreignCa.issue(keys.getPublic(), "conn-forged", "connector", List.of(), List.of(), Duration.ofDays(1));
    Path forged = dir.resolve("forged");
    Files.createDirectories(forged);
    TlsFiles.write(forged, keys, List.of(certificate), foreignCa.certificate());
    Files.copy(test.dir.resolve(TlsFiles.CA_FILE), forged.resolve(TlsFiles.CA_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    var client = test.deviceClient(forged);
    var failed = new AtomicBoolean();
    try {
      var answer = await(client.post("/device/v1/batches").putHeader("Content-Type", Wire.CBOR)
          .sendBuffer(Buffer.buffer(uploadOf("conn-forged", new MachineRef("conn-forged", "C", Role.CONNECTOR)))));
      failed.set(answer.statusCode() == 401 || answer.statusCode() == 403);
    } catch (Exception handshakeRefused) {
      failed.set(true);
    }
    assertTrue(failed.get(), "a certificate of a CA with the same name but another key is refused");
    assertEquals(404, test.get("/api/v1/machines/conn-forged").statusCode());
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    var ca = CertificateAuthority.load(test.dir.resolve("orgs/1/ca.pem"), test.dir.resolve("orgs/1/ca.key"));
    var connector = test.connector("conn-expiring", dir.resolve("conn-expiring"));
    var keys = new java.security.KeyPair(Pem.readCertificates(TlsFiles.inFolder(connector.folder()).certificate()).get(0).getPublicKey(),
        Pem.readPrivateKey(TlsFiles.inFolder(connector.folder()).key()));
    var shortLived = ca.issue(keys.getPublic(), "conn-expiring", "connector", List.of(), List.of(), Duration.ofSeconds(1));
    Path expiring = dir.resolve("expiring");
    Files.createDirectories(expiring);
    TlsFiles.write(expiring, keys, List.of(shortLived, ca.certificate()), ca.certificate());
    // valid until one second from now
    await().atMost(Duration.ofSeconds(5)).until(() -> shortLived.getNotAfter().getTime() < System.currentTimeMillis());
    var client = test.deviceClient(expiring);
    boolean refused;
    try {
      var answer = await(client.post("/device/v1/batches").putHeader("Content-Type", Wire.CBOR)
          .sendBuffer(Buffer.buffer(uploadOf("conn-expiring", new MachineRef("conn-expiring", "C", Role.CONNECTOR)))));
      refused = answer.statusCode() == 401;
    } catch (Exception handshakeRefused) {
      refused = true;
    }
    assertTrue(refused, "an expired certificate is refused");
  }

  @Test
  void revocationClosesTheOpenConnectionAndRefusesEveryLaterCall() throws Exception {
    var connector = test.connector("conn-revoked", dir.resolve("conn-revoked"));
    byte[] upload = uploadOf("conn-revoked", new MachineRef("conn-revoked", "C", Role.CONNECTOR));
    assertEquals(200, connector.upload(upload).statusCode());
    var closed = new AtomicBoolean();
    // The client is kept in a variable: one that nothing refers to may be collected mid-handshake.
    var client = test.vertx.createWebSocketClient(new io.vertx.core.http.WebSocketClientOptions()
        .setSsl(true).setVerifyHost(true)
        .setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(connector.folder().resolve("ca.pem").toString()))
        .setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
            .setKeyPath(connector.folder().resolve("identity.key").toString())
            .setCertPath(connector.folder().resolve("identity.pem").toString())));
    var ws = await(client.connect(test.cloud.port(), "127.0.0.1", "/device/v1/channel"));
    ws.closeHandler(v -> closed.set(true));

    var revoked = test.post("/api/v1/machines/conn-revoked/revoke", new JsonObject());
    assertEquals(200, revoked.statusCode(), revoked.bodyAsString());
    assertEquals("revoked", revoked.bodyAsJsonObject().getString("state"));
    await().atMost(Duration.ofSeconds(1)).untilTrue(closed);
    var refused = connector.upload(upload);
    assertEquals(403, refused.statusCode(), refused.bodyAsString());
    assertError(test.enrol("conn-revoked", MachineKeys.generate(), Role.CONNECTOR, test.enrolmentToken(Role.CONNECTOR)), 409, "another key");
    assertEquals("revoked", test.get("/api/v1/machines?state=revoked").bodyAsJsonArray().getJsonObject(0).getString("state"));
    await(client.close());
  }

  @Test
  void approvingOrRevokingAnUnknownMachineIs404() throws Exception {
    assertEquals(404, test.post("/api/v1/machines/nobody/approve", new JsonObject()).statusCode());
    assertEquals(404, test.post("/api/v1/machines/nobody/revoke", new JsonObject()).statusCode());
    assertEquals(400, test.get("/api/v1/machines?state=sleepy").statusCode());
    assertNull(test.get("/api/v1/machines?state=pending").bodyAsJsonArray().stream()
        .map(JsonObject.class::cast).filter(m -> m.getString("uid").equals("nobody")).findFirst().orElse(null));
    assertFalse(test.get("/api/v1/sites").bodyAsJsonArray().isEmpty());
  }

  @Test
  void tokensNeedAKnownSiteAndARole() throws Exception {
    assertEquals(404, test.post("/api/v1/sites/999/tokens", new JsonObject().put("role", "hub")).statusCode());
    assertEquals(400, test.post("/api/v1/sites/" + test.siteId + "/tokens", new JsonObject().put("role", "boss")).statusCode());
    assertEquals(400, test.post("/api/v1/sites/" + test.siteId + "/tokens", new JsonObject()).statusCode());
    assertEquals(409, test.post("/api/v1/sites", new JsonObject().put("name", "main")).statusCode());
    assertThrows(Exception.class, () -> EnrolmentToken.parse("only-one-part"));
  }

  @Test
  void anotherOrganisationHasItsOwnCaAndSeesNothingOfTheFirst() throws Exception {
    var created = test.post("/api/v1/organisations", new JsonObject().put("name", "globex").put("user", "hank")
        .put("password", "globex password 1"));
    assertEquals(201, created.statusCode(), created.bodyAsString());
    assertEquals(409, test.post("/api/v1/organisations", new JsonObject().put("name", "globex").put("user", "x")
        .put("password", "another password")).statusCode());
    assertEquals(400, test.post("/api/v1/organisations", new JsonObject().put("name", "initech").put("user", "x")
        .put("password", "short")).statusCode());

    var login = await(test.client.post("/api/v1/login").sendJsonObject(new JsonObject()
        .put("organisation", "globex").put("user", "hank").put("password", "globex password 1")));
    assertEquals(200, login.statusCode(), login.bodyAsString());
    String globex = login.bodyAsJsonObject().getString("token");
    assertEquals(403, await(test.client.post("/api/v1/organisations").bearerTokenAuthentication(globex)
        .sendJsonObject(new JsonObject().put("name", "initech").put("user", "x").put("password", "initech password"))).statusCode(),
        "only the operator's organisation makes organisations");
    var site = await(test.client.post("/api/v1/sites").bearerTokenAuthentication(globex).sendJsonObject(new JsonObject().put("name", "hq")));
    assertEquals(201, site.statusCode());
    String token = await(test.client.post("/api/v1/sites/" + site.bodyAsJsonObject().getInteger("id") + "/tokens")
        .bearerTokenAuthentication(globex).sendJsonObject(new JsonObject().put("role", "connector")))
        .bodyAsJsonObject().getString("token");
    var acmeToken = EnrolmentToken.parse(test.enrolmentToken(Role.CONNECTOR));
    assertFalse(EnrolmentToken.parse(token).caPin().equals(acmeToken.caPin()), "each organisation has its own CA");

    var enrolled = test.enrol("globex-conn", MachineKeys.generate(), Role.CONNECTOR, token);
    assertEquals(200, enrolled.statusCode(), enrolled.bodyAsString());
    var certificate = Pem.decodeCertificates(enrolled.bodyAsJsonObject().getString("certificate"), "answer").get(0);
    assertTrue(certificate.getSubjectX500Principal().getName().contains("O=globex"), certificate.getSubjectX500Principal().getName());
    assertEquals(404, test.post("/api/v1/machines/globex-conn/revoke", new JsonObject()).statusCode(),
        "acme cannot touch a machine of globex");
    assertTrue(await(test.client.get("/api/v1/machines?state=approved").bearerTokenAuthentication(globex).send())
        .bodyAsJsonArray().stream().map(JsonObject.class::cast).allMatch(m -> m.getString("uid").equals("globex-conn")));
  }
}
