package dev.outpost.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cloud's HTTP surface from outside, over real TLS, on a real H2 file: login, the device
 * ingest, the user API, and how each refuses bad input without storing anything.
 */
class CloudApiTest {
  static final String ORG = "acme";
  static final String USER = "admin";
  static final String PASSWORD = "correct horse battery";
  static final MachineRef CONNECTOR = new MachineRef("conn-1", "Connector One", Role.CONNECTOR);
  static final MachineRef HUB = new MachineRef("hub-1", "Hub One", Role.HUB);

  @TempDir
  static Path dir;
  static TestCloud test;
  static Vertx vertx;
  static CloudCollector cloud;
  static WebClient client;
  static String token;
  static TestCloud.Device connector;

  @BeforeAll
  static void start() throws Exception {
    var limits = new CloudConfig.Limits(4096, 2048, 2, null);
    test = TestCloud.start(dir, limits);
    vertx = test.vertx;
    cloud = test.cloud;
    client = test.client;
    token = test.token;
    connector = test.connector(CONNECTOR.uid(), dir.resolve("connector"));
    for (String hub : List.of("hub-1", "hub-3")) {
      var enrolled = test.enrol(hub, MachineKeys.generate(), Role.HUB, test.enrolmentToken(Role.HUB));
      assertEquals(200, enrolled.statusCode(), enrolled.bodyAsString());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (test != null) {
      test.close();
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.await(30, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> login(String password) throws Exception {
    return await(client.post("/api/v1/login").sendJsonObject(new JsonObject()
        .put("organisation", ORG).put("user", USER).put("password", password)));
  }

  static HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(path).bearerTokenAuthentication(token).send());
  }

  static HttpResponse<Buffer> put(String path, String body) throws Exception {
    return await(client.put(path).bearerTokenAuthentication(token).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(body)));
  }

  static HttpResponse<Buffer> upload(String contentType, byte[] body) throws Exception {
    return await(connector.client().post("/device/v1/batches")
        .putHeader("Content-Type", contentType).sendBuffer(Buffer.buffer(body)));
  }

  static Upload uploadOf(MachineRef source, long firstSeq, int count, long startMs) {
    var measurements = new ArrayList<Measurement>();
    for (int i = 0; i < count; i++) {
      measurements.add(new Measurement("memory", startMs + i * 1000L, i == count - 1 ? State.WARNING : State.OK,
          Map.of("usedPercent", 40.0 + i), Map.of("usedPercent", "%"), "used " + (40 + i) + " %"));
    }
    return new Upload(CONNECTOR.uid(), List.of(new Batch(source, firstSeq, measurements)));
  }

  static void assertError(HttpResponse<Buffer> response, int status, String mentions) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    JsonObject error = response.bodyAsJsonObject();
    assertEquals(status, error.getInteger("status"));
    assertTrue(error.getString("error").contains(mentions), "error mentions " + mentions + ": " + error.getString("error"));
  }

  @Test
  void theApiAnswers401WithoutAValidToken() throws Exception {
    var none = await(client.get("/api/v1/machines").send());
    assertError(none, 401, "log in");
    assertEquals("Bearer", none.getHeader("WWW-Authenticate"));
    assertEquals(401, await(client.get("/api/v1/machines").bearerTokenAuthentication("made-up").send()).statusCode());
  }

  @Test
  void anUploadIsStoredOnceAndReadBackOldestFirst() throws Exception {
    long start = Instant.now().minusSeconds(600).toEpochMilli();
    var first = uploadOf(HUB, 1, 5, start);
    var ack = upload(Wire.CBOR, Wire.toCbor(first));
    assertEquals(200, ack.statusCode(), ack.bodyAsString());
    assertEquals(new JsonObject().put("stored", 5).put("duplicates", 0).put("refused", 0), ack.bodyAsJsonObject());

    var again = upload(Wire.CBOR, Wire.toCbor(first));
    assertEquals(new JsonObject().put("stored", 0).put("duplicates", 5).put("refused", 0), again.bodyAsJsonObject());

    JsonArray rows = get("/api/v1/machines/hub-1/measurements?sensor=memory&from="
        + Instant.ofEpochMilli(start).minusSeconds(1) + "&to=" + Instant.now()).bodyAsJsonArray();
    assertEquals(5, rows.size(), rows.encode());
    assertEquals(40.0, rows.getJsonObject(0).getJsonObject("values").getDouble("usedPercent"));
    assertEquals(Instant.ofEpochMilli(start).toString(), rows.getJsonObject(0).getString("time"));
    assertEquals("WARNING", rows.getJsonObject(4).getString("state"));
    assertEquals(5, cloud.store().countFor("hub-1"));

    JsonArray machines = get("/api/v1/machines").bodyAsJsonArray();
    JsonObject hub = machines.stream().map(JsonObject.class::cast).filter(m -> m.getString("uid").equals("hub-1")).findFirst().orElseThrow();
    assertEquals("hub", hub.getString("role"));
    assertEquals("conn-1", hub.getString("via"));
    assertTrue(hub.getBoolean("online"));
    assertNotNull(Instant.parse(hub.getString("lastSeen")));

    JsonArray sensors = get("/api/v1/machines/hub-1/sensors").bodyAsJsonArray();
    JsonObject memory = sensors.stream().map(JsonObject.class::cast).filter(s -> s.getString("id").equals("memory")).findFirst().orElseThrow();
    assertEquals("WARNING", memory.getString("state"));
    assertEquals("%", memory.getJsonObject("latest").getJsonObject("units").getString("usedPercent"));
  }

  @Test
  void badUploadsAreRefusedAndStoreNothing() throws Exception {
    long before = cloud.store().count();
    var good = Wire.toCbor(uploadOf(new MachineRef("hub-2", "Hub Two", Role.HUB), 1, 3, System.currentTimeMillis()));
    assertError(await(client.post("/device/v1/batches").putHeader("Content-Type", Wire.CBOR).sendBuffer(Buffer.buffer(good))),
        401, "client certificate");
    assertError(upload("application/json", good), 415, "cbor");
    assertError(upload(Wire.CBOR, new byte[] {(byte) 0xbf, 0x01, 0x02}), 400, "Upload");
    assertEquals(413, upload(Wire.CBOR, new byte[8192]).statusCode());
    var wrongVersion = Map.of("v", 99, "via", "conn-1", "batches", List.of());
    assertError(upload(Wire.CBOR, Wire.toCbor(wrongVersion)), 400, "version");
    var notEnrolled = upload(Wire.CBOR, good);
    assertEquals(200, notEnrolled.statusCode(), notEnrolled.bodyAsString());
    assertEquals(3, notEnrolled.bodyAsJsonObject().getLong("refused"), "a hub that is not enrolled may not send");
    assertEquals(before, cloud.store().count());
    assertEquals(404, get("/api/v1/machines/hub-2").statusCode());
  }

  @Test
  void aSensorIsConfiguredCentrallyAndBadBodiesChangeNothing() throws Exception {
    upload(Wire.CBOR, Wire.toCbor(uploadOf(new MachineRef("hub-3", "Hub Three", Role.HUB), 1, 1, System.currentTimeMillis())));
    long version = get("/api/v1/machines/hub-3").bodyAsJsonObject().getLong("configVersion");

    assertError(put("/api/v1/machines/hub-3/sensors/web", "{\"type\": \"http\", "), 400, "malformed");
    assertError(put("/api/v1/machines/hub-3/sensors/web", "{\"type\": \"http\", \"colour\": \"red\"}"), 400, "unknown field colour");
    assertError(put("/api/v1/machines/hub-3/sensors/web", "{\"type\": \"http\", \"intervalSeconds\": \"often\"}"), 400, "intervalSeconds");
    assertError(put("/api/v1/machines/hub-3/sensors/web", "{\"type\": \"http\", \"intervalSeconds\": 0.5}"), 400, "intervalSeconds");
    assertError(put("/api/v1/machines/hub-3/sensors/web", "{\"type\": \"http\", \"intervalSeconds\": 100000}"), 400, "intervalSeconds");
    assertError(put("/api/v1/machines/hub-3/sensors/web", "{\"settings\": {}}"), 400, "type");
    assertError(put("/api/v1/machines/hub-3/sensors/web", "{\"type\": \"http\", \"settings\": {\"url\": \"" + "x".repeat(3000) + "\"}}"), 413, "");
    assertError(put("/api/v1/machines/nobody/sensors/web", "{\"type\": \"http\"}"), 404, "nobody");
    assertEquals(version, get("/api/v1/machines/hub-3").bodyAsJsonObject().getLong("configVersion"));
    assertEquals(404, get("/api/v1/machines/hub-3/sensors/web").statusCode());

    var ok = put("/api/v1/machines/hub-3/sensors/web",
        "{\"type\": \"http\", \"settings\": {\"url\": \"https://example.invalid/\"}, \"intervalSeconds\": 30,"
            + " \"thresholds\": {\"latencyMs\": {\"warningAbove\": 500}}}");
    assertEquals(200, ok.statusCode(), ok.bodyAsString());
    assertEquals(version + 1, get("/api/v1/machines/hub-3").bodyAsJsonObject().getLong("configVersion"));
    JsonObject web = get("/api/v1/machines/hub-3/sensors/web").bodyAsJsonObject();
    assertEquals(30, web.getInteger("intervalSeconds"));
    assertEquals(500.0, web.getJsonObject("thresholds").getJsonObject("latencyMs").getDouble("warningAbove"));

    assertEquals(204, await(client.delete("/api/v1/machines/hub-3/sensors/web").bearerTokenAuthentication(token).send()).statusCode());
    assertEquals(404, get("/api/v1/machines/hub-3/sensors/web").statusCode());
  }

  @Test
  void badQueriesAreRefused() throws Exception {
    assertError(get("/api/v1/machines/hub-1/measurements?from=yesterday"), 400, "from");
    assertError(get("/api/v1/machines/hub-1/measurements?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"), 400, "after");
    assertError(get("/api/v1/machines/hub-1/measurements?sensor=a%20b"), 400, "sensor");
    assertError(get("/api/v1/machines/hub-1/measurements?limit=0"), 400, "limit");
  }

  @Test
  void repeatedWrongPasswordsAreLimited() throws Exception {
    var other = WebClient.create(vertx, new WebClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve(TlsFiles.CA_FILE).toString()))
        .setDefaultHost("127.0.0.1").setDefaultPort(cloud.port()));
    var wrong = new JsonObject().put("organisation", ORG).put("user", "someone").put("password", "wrong");
    assertError(await(other.post("/api/v1/login").sendJsonObject(wrong)), 401, "wrong");
    assertError(await(other.post("/api/v1/login").sendJsonObject(wrong)), 401, "wrong");
    assertError(await(other.post("/api/v1/login").sendJsonObject(wrong)), 429, "too many");
    assertError(await(other.post("/api/v1/login").sendJsonObject(new JsonObject().put("organisation", ORG))), 400, "user");
  }

  @Test
  void metricsAndHealthAnswer() throws Exception {
    var metrics = await(client.get("/metrics").send());
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.getHeader("Content-Type").startsWith("text/plain"));
    assertTrue(metrics.bodyAsString().contains("outpost_measurements_stored_total"), metrics.bodyAsString());
    assertEquals(200, await(client.get("/health/ready").send()).statusCode());
  }

  @Test
  void thePasswordIsStoredOnlyAsAHash() throws Exception {
    try (var files = Files.walk(dir.resolve("cloud"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String content = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertFalse(content.contains(PASSWORD), "password in " + file);
      }
    }
    assertFalse(Files.exists(dir.resolve("first-login.txt")), "nothing generated, nothing to write down");
  }

  @Test
  void generatedSecretsAreWrittenForTheOwnerOnly(@TempDir Path other) throws Exception {
    var second = await(CloudCollector.start(vertx, new CloudConfig(other, "127.0.0.1", 0, null, null, null)));
    try {
      Path firstLogin = other.resolve("first-login.txt");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(firstLogin)));
      assertTrue(Files.readString(firstLogin).contains("password="));
      for (Path key : List.of(other.resolve(TlsFiles.KEY_FILE), other.resolve("orgs/1/ca.key"))) {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)), key.toString());
      }
    } finally {
      await(second.stop());
    }
  }
}
