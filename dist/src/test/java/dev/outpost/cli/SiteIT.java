package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.hub.SensorHub;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.core.buffer.Buffer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole data path on loopback: a cloud, a connector and two hubs, each with its own Vert.x and
 * data folder, talking over real TLS; checked from outside through the REST API.
 */
class SiteIT {
  @TempDir
  static Path root;

  static LocalSite site;
  static Vertx vertx;
  static WebClient client;
  static String token;

  @BeforeAll
  static void startSite() throws Exception {
    site = LocalSite.start(root, 0, 2);
    vertx = Vertx.vertx();
    client = WebClient.create(vertx, new WebClientOptions()
        .setSsl(true)
        .setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(root.resolve("cloud/ca.pem").toString()))
        .setDefaultHost(LocalSite.LOOPBACK)
        .setDefaultPort(site.cloud().port()));
    var login = call(client.post("/api/v1/login").sendJsonObject(new JsonObject()
        .put("organisation", LocalSite.ORGANISATION).put("user", LocalSite.ADMIN).put("password", site.password())));
    assertEquals(200, login.statusCode(), login.bodyAsString());
    token = login.bodyAsJsonObject().getString("token");
  }

  @AfterAll
  static void stopSite() throws Exception {
    if (site != null) {
      site.stop();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  static HttpResponse<Buffer> call(io.vertx.core.Future<HttpResponse<Buffer>> request) throws Exception {
    return request.await(20, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> get(String path) throws Exception {
    return call(client.get(path).bearerTokenAuthentication(token).send());
  }

  @Test
  void everyMachineShowsUpOnlineWithItsRole() {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonArray machines = get("/api/v1/machines").bodyAsJsonArray();
      var seen = machines.stream().map(JsonObject.class::cast)
          .filter(m -> m.getBoolean("online"))
          .map(m -> m.getString("uid") + "/" + m.getString("role"))
          .collect(Collectors.toSet());
      var expected = Set.of(
          site.connector().machine().uid() + "/connector",
          site.hubs().get(0).machine().uid() + "/hub",
          site.hubs().get(1).machine().uid() + "/hub");
      assertEquals(expected, seen);
      machines.stream().map(JsonObject.class::cast).forEach(m -> Instant.parse(m.getString("lastSeen")));
    });
  }

  @Test
  void hubMeasurementsArriveInTheStoreAndThroughTheApi() {
    SensorHub hub = site.hubs().get(1);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertTrue(site.cloud().store().countFor(hub.machine().uid()) > 0, "stored in H2");
      JsonArray memory = get("/api/v1/machines/" + hub.machine().uid() + "/measurements?sensor=memory").bodyAsJsonArray();
      assertTrue(memory.size() > 0, "memory measurements through the API");
      JsonObject m = memory.getJsonObject(0);
      assertEquals("memory", m.getString("sensor"));
      double used = m.getJsonObject("values").getDouble("usedPercent");
      assertTrue(used > 0 && used <= 100, "used memory is a percentage: " + used);
      assertTrue(Set.of("OK", "WARNING", "ERROR").contains(m.getString("state")));
    });
  }

  @Test
  void aSensorConfiguredCentrallyRunsOnTheHubWithoutARestart() throws Exception {
    SensorHub hub = site.hubs().get(0);
    try (var listening = new ServerSocket(0, 50, InetAddress.getByName(LocalSite.LOOPBACK))) {
      var sensor = new JsonObject()
          .put("type", "tcp-port")
          .put("settings", new JsonObject().put("host", LocalSite.LOOPBACK).put("port", String.valueOf(listening.getLocalPort())))
          .put("intervalSeconds", 1);
      var put = call(client.put("/api/v1/machines/" + hub.machine().uid() + "/sensors/web-port")
          .bearerTokenAuthentication(token).sendJsonObject(sensor));
      assertEquals(200, put.statusCode(), put.bodyAsString());

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        JsonArray found = get("/api/v1/machines/" + hub.machine().uid() + "/measurements?sensor=web-port").bodyAsJsonArray();
        assertTrue(found.size() > 0, "the new sensor reported");
        JsonObject latest = found.getJsonObject(found.size() - 1);
        assertEquals("OK", latest.getString("state"), latest.encode());
        assertEquals(1.0, latest.getJsonObject("values").getDouble("open"));
      });
      assertTrue(hub.configuration().sensors().stream().anyMatch(s -> s.id().equals("web-port")));
    }
  }

  @Test
  void everyMachineReportsItsOutboxAndItsCertificate() {
    SensorHub hub = site.hubs().get(0);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonArray outbox = get("/api/v1/machines/" + hub.machine().uid() + "/measurements?sensor=outbox").bodyAsJsonArray();
      assertTrue(outbox.size() > 0, "outbox measurements through the API");
      JsonObject values = outbox.getJsonObject(outbox.size() - 1).getJsonObject("values");
      assertEquals(0.0, values.getDouble("dropped"));
      assertTrue(values.getDouble("queued") >= 0);
      JsonArray certificate = get("/api/v1/machines/" + hub.machine().uid() + "/measurements?sensor=certificate").bodyAsJsonArray();
      assertTrue(certificate.size() > 0, "certificate measurements through the API");
      double days = certificate.getJsonObject(0).getJsonObject("values").getDouble("daysLeft");
      assertTrue(days > 360 && days <= 365, "a new certificate has about a year left: " + days);
    });
  }

  @Test
  void theApiRefusesCallsWithoutAToken() throws Exception {
    assertEquals(401, call(client.get("/api/v1/machines").send()).statusCode());
  }
}
