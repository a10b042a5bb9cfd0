package dev.outpost.sensors.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.Sensors;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The http sensor against real JDK HTTP and HTTPS servers on 127.0.0.1. */
class HttpSensorTest {
  @TempDir
  Path dir;
  private final CountDownLatch release = new CountDownLatch(1);
  private final ExecutorService serverThreads = Executors.newCachedThreadPool();
  private final List<HttpServer> servers = new ArrayList<>();
  private String base;

  @BeforeEach
  void startServer() throws IOException {
    base = "http://127.0.0.1:" + serve(HttpServer.create(loopback(), 0));
  }

  @AfterEach
  void stopServers() {
    release.countDown();
    servers.forEach(server -> server.stop(0));
    serverThreads.shutdownNow();
  }

  private static InetSocketAddress loopback() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  /** Starts the server with the test's routes; returns its port. */
  private int serve(HttpServer server) {
    routes(server);
    server.setExecutor(serverThreads);
    server.start();
    servers.add(server);
    return server.getAddress().getPort();
  }

  private int serveHttps(TestCa ca, String ip, Instant notAfter) throws Exception {
    var https = HttpsServer.create(loopback(), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(ca.serverContext(ip, notAfter)));
    return serve(https);
  }

  private void routes(HttpServer server) {
    server.createContext("/ok", answer(200, "<h1>hello outpost</h1>"));
    server.createContext("/broken", answer(503, "down for maintenance"));
    server.createContext("/moved", exchange -> {
      exchange.getResponseHeaders().add("Location", "/ok");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
    });
    server.createContext("/slow", exchange -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      answer(200, "late").handle(exchange);
    });
    server.createContext("/private", answer(200, "members only")).setAuthenticator(new BasicAuthenticator("outpost") {
      @Override
      public boolean checkCredentials(String username, String password) {
        return username.equals("watcher") && password.equals(" pa:ss ");
      }
    });
  }

  private static HttpHandler answer(int status, String body) {
    return exchange -> respond(exchange, status, body);
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    var bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
    exchange.sendResponseHeaders(status, exchange.getRequestMethod().equals("HEAD") ? -1 : bytes.length);
    if (!exchange.getRequestMethod().equals("HEAD")) {
      exchange.getResponseBody().write(bytes);
    }
    exchange.close();
  }

  private Reading measure(Map<String, String> settings) throws Exception {
    return measure(settings, Clock.systemUTC());
  }

  private Reading measure(Map<String, String> settings, Clock clock) throws Exception {
    var config = new SensorConfig("web", "http", settings, 60, 5, Map.of());
    return Sensors.builtIn().create(config).measure(new SensorContext(dir, clock));
  }

  @Test
  void aPageThatAnswersIsOkWithStatusAndLatency() throws Exception {
    var reading = measure(Map.of("url", base + "/ok"));

    assertNull(reading.state(), "the thresholds decide");
    assertEquals(200.0, reading.values().get("status"));
    assertTrue(reading.values().get("latencyMs") > 0);
    assertEquals("ms", reading.units().get("latencyMs"));
    assertFalse(reading.values().containsKey("certificateDaysLeft"), "plain http has no certificate");
    assertTrue(reading.message().startsWith("status 200 in "), reading.message());
  }

  @Test
  void anUnexpectedStatusIsAnError() throws Exception {
    var broken = measure(Map.of("url", base + "/broken"));
    var expected = measure(Map.of("url", base + "/broken", "expectStatus", "200, 503"));
    var missing = measure(Map.of("url", base + "/nothing-here", "expectStatus", "2xx"));

    assertEquals(State.ERROR, broken.state());
    assertEquals(503.0, broken.values().get("status"));
    assertTrue(broken.message().startsWith("status 503, expected 2xx or 3xx in "), broken.message());
    assertNull(expected.state());
    assertEquals(State.ERROR, missing.state());
    assertEquals(404.0, missing.values().get("status"));
  }

  @Test
  void redirectsAreReportedUnlessFollowed() throws Exception {
    var reported = measure(Map.of("url", base + "/moved"));
    var followed = measure(Map.of("url", base + "/moved", "followRedirects", "true", "contains", "hello"));

    assertEquals(302.0, reported.values().get("status"));
    assertNull(reported.state(), "3xx is expected by default");
    assertEquals(200.0, followed.values().get("status"));
    assertNull(followed.state());
  }

  @Test
  void theContentMustContainTheText() throws Exception {
    var found = measure(Map.of("url", base + "/ok", "contains", "hello outpost"));
    var notFound = measure(Map.of("url", base + "/ok", "contains", "goodbye"));

    assertNull(found.state());
    assertEquals(State.ERROR, notFound.state());
    assertTrue(notFound.message().startsWith("content does not contain 'goodbye' in "), notFound.message());
    assertEquals(200.0, notFound.values().get("status"), "the values are kept");
  }

  @Test
  void headAndPostRequestsWork() throws Exception {
    assertNull(measure(Map.of("url", base + "/ok", "method", "HEAD")).state());
    assertNull(measure(Map.of("url", base + "/ok", "method", "post", "contains", "outpost")).state());
  }

  @Test
  void basicAuthenticationSendsTheCredentials() throws Exception {
    var right = measure(Map.of("url", base + "/private", "username", "watcher", "password", " pa:ss "));
    var wrong = measure(Map.of("url", base + "/private", "username", "watcher", "password", "guess"));
    var none = measure(Map.of("url", base + "/private"));

    assertEquals(200.0, right.values().get("status"));
    assertEquals(401.0, wrong.values().get("status"));
    assertEquals(State.ERROR, wrong.state());
    assertEquals(401.0, none.values().get("status"));
  }

  @Test
  void aClosedPortIsAnErrorNamingIt() throws Exception {
    int port;
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    var reading = measure(Map.of("url", "http://127.0.0.1:" + port + "/"));

    assertEquals(State.ERROR, reading.state());
    assertEquals("connection refused: 127.0.0.1:" + port, reading.message());
  }

  @Test
  void aServerThatDoesNotAnswerIsCutOffAtTimeoutMs() throws Exception {
    long begin = System.nanoTime();
    var reading = measure(Map.of("url", base + "/slow", "timeoutMs", "300"));
    long tookMs = (System.nanoTime() - begin) / 1_000_000;

    assertEquals(State.ERROR, reading.state());
    assertEquals("no answer within 300 ms: " + base + "/slow", reading.message());
    assertTrue(tookMs < 3_000, "took " + tookMs + " ms");
  }

  @Test
  void httpsGivesTheDaysUntilTheCertificateExpiresWhenItsCaIsTrusted() throws Exception {
    var ca = new TestCa("Outpost Test CA");
    var notAfter = Instant.now().plus(Duration.ofDays(30)).plus(Duration.ofHours(12));
    var url = "https://127.0.0.1:" + serveHttps(ca, "127.0.0.1", notAfter) + "/ok";
    var caFile = ca.writePem(dir.resolve("ca.pem")).toString();

    var now = measure(Map.of("url", url, "caFile", caFile, "contains", "hello"));
    var tenDaysLater = measure(Map.of("url", url, "caFile", caFile),
        Clock.offset(Clock.systemUTC(), Duration.ofDays(10)));
    var afterExpiry = measure(Map.of("url", url, "caFile", caFile),
        Clock.offset(Clock.systemUTC(), Duration.ofDays(31)));

    assertNull(now.state());
    assertEquals(200.0, now.values().get("status"));
    assertEquals(30.0, now.values().get("certificateDaysLeft"));
    assertEquals("d", now.units().get("certificateDaysLeft"));
    assertTrue(now.message().endsWith(", certificate expires in 30 d"), now.message());
    assertEquals(20.0, tenDaysLater.values().get("certificateDaysLeft"));
    assertEquals(-1.0, afterExpiry.values().get("certificateDaysLeft"));
  }

  @Test
  void httpsRefusesACertificateFromAnUntrustedCa() throws Exception {
    var ca = new TestCa("Outpost Test CA");
    int port = serveHttps(ca, "127.0.0.1", Instant.now().plus(Duration.ofDays(30)));
    var url = "https://127.0.0.1:" + port + "/ok";
    var otherCaFile = new TestCa("Some Other CA").writePem(dir.resolve("other.pem")).toString();

    var untrusted = measure(Map.of("url", url));
    var wrongCa = measure(Map.of("url", url, "caFile", otherCaFile));

    assertEquals(State.ERROR, untrusted.state());
    assertTrue(untrusted.message().startsWith("TLS handshake with 127.0.0.1:" + port + " failed: "), untrusted.message());
    assertTrue(untrusted.message().contains("certification path"), untrusted.message());
    assertEquals(Map.of(), untrusted.values());
    assertEquals(State.ERROR, wrongCa.state());
    assertTrue(wrongCa.message().contains("certification path"), wrongCa.message());
  }

  @Test
  void httpsChecksTheHostName() throws Exception {
    var ca = new TestCa("Outpost Test CA");
    int port = serveHttps(ca, "10.9.8.7", Instant.now().plus(Duration.ofDays(30)));

    var reading = measure(Map.of("url", "https://127.0.0.1:" + port + "/ok",
        "caFile", ca.writePem(dir.resolve("ca.pem")).toString()));

    assertEquals(State.ERROR, reading.state());
    assertTrue(reading.message().contains("No subject alternative names matching IP address 127.0.0.1"), reading.message());
  }

  @Test
  void aMissingCaFileIsAnErrorOfTheRun() {
    var settings = Map.of("url", "https://127.0.0.1:1/", "caFile", dir.resolve("missing.pem").toString());
    var e = assertThrows(IOException.class, () -> measure(settings));
    assertTrue(e.getMessage().startsWith("cannot read caFile " + dir.resolve("missing.pem")), e.getMessage());
  }
}
