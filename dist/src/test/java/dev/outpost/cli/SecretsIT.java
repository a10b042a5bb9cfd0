package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sensor credential end to end: an admin sets the password of an HTTP check through the API, the
 * cloud seals it to the hub's key, the hub opens it when the check runs and passes a real server's
 * Basic authentication; the plaintext is in no database file, no data folder and no API answer.
 */
class SecretsIT {
  static final String PASSWORD = "pa55-only-the-hub-knows-" + System.nanoTime();

  @TempDir
  Path root;

  @Test
  void aSecretSetInTheCloudReachesOnlyTheHubThatRunsTheSensor() throws Exception {
    var vertx = Vertx.vertx();
    var authorised = new AtomicInteger();
    var refused = new AtomicInteger();
    String expected = "Basic " + Base64.getEncoder().encodeToString(("monitor:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    HttpServer server = vertx.createHttpServer().requestHandler(request -> {
      if (expected.equals(request.getHeader("Authorization"))) {
        authorised.incrementAndGet();
        request.response().end("welcome");
      } else {
        refused.incrementAndGet();
        request.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"test\"").end();
      }
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    var site = LocalSite.start(root, 0, 1);
    try {
      var client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
          .setTrustOptions(new PemTrustOptions().addCertPath(root.resolve("cloud/ca.pem").toString()))
          .setDefaultHost(LocalSite.LOOPBACK).setDefaultPort(site.cloud().port()));
      String token = client.post("/api/v1/login").sendJsonObject(new JsonObject().put("organisation", LocalSite.ORGANISATION)
          .put("user", LocalSite.ADMIN).put("password", site.password())).await(20, TimeUnit.SECONDS)
          .bodyAsJsonObject().getString("token");
      String hub = site.hubs().get(0).machine().uid();
      await().atMost(Duration.ofSeconds(30)).until(() -> get(client, token, "/api/v1/machines/" + hub).statusCode() == 200);

      var sensor = new JsonObject()
          .put("type", "http")
          .put("settings", new JsonObject().put("url", "http://127.0.0.1:" + server.actualPort() + "/")
              .put("username", "monitor").put("expectStatus", "200"))
          .put("intervalSeconds", 1)
          .put("secrets", new JsonObject().put("password", PASSWORD));
      var put = client.put("/api/v1/machines/" + hub + "/sensors/web").bearerTokenAuthentication(token)
          .sendJsonObject(sensor).await(20, TimeUnit.SECONDS);
      assertEquals(200, put.statusCode(), put.bodyAsString());
      assertFalse(put.bodyAsString().contains(PASSWORD), "not in the answer");
      assertEquals(new JsonArray().add("password"), put.bodyAsJsonObject().getJsonArray("secrets"));

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        JsonArray rows = get(client, token, "/api/v1/machines/" + hub + "/measurements?sensor=web").bodyAsJsonArray();
        assertFalse(rows.isEmpty());
        JsonObject latest = rows.getJsonObject(rows.size() - 1);
        assertEquals("OK", latest.getString("state"), latest.encode());
        assertEquals(200.0, latest.getJsonObject("values").getDouble("status"));
      });
      assertTrue(authorised.get() > 0, "the server saw the right password");
      String sensorAnswer = get(client, token, "/api/v1/machines/" + hub + "/sensors/web").bodyAsString();
      assertFalse(sensorAnswer.contains(PASSWORD));
      assertTrue(sensorAnswer.contains("\"secrets\":[\"password\"]"), sensorAnswer);
    } finally {
      site.stop();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    // Everything on disk, written and closed: the cloud's database, the connector's and the hub's folders.
    try (var files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        assertFalse(content.contains(PASSWORD), "the password is in " + file);
      }
    }
  }

  private static HttpResponse<Buffer> get(WebClient client, String token, String path) throws Exception {
    return client.get(path).bearerTokenAuthentication(token).send().await(20, TimeUnit.SECONDS);
  }
}
