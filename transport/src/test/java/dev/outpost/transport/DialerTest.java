package dev.outpost.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.TlsFiles;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DialerTest {
  private static final Duration CONNECT = Duration.ofSeconds(1);

  @TempDir
  static Path dir;
  static Vertx vertx;
  static TestSite site;
  static TlsFiles client;
  static HttpServer server;
  static final AtomicInteger hits = new AtomicInteger();

  @BeforeAll
  static void startServer() {
    vertx = Vertx.vertx();
    site = new TestSite(dir);
    client = site.machine("hub-1", List.of(), List.of());
    server = TestSite.serve(vertx, site.machine("cloud", List.of("localhost"), List.of("127.0.0.1")), "cloud", hits);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static DialerConfig config(List<String> endpoints, List<Integer> ports) {
    return new DialerConfig(endpoints, ports, null, CONNECT, Duration.ofSeconds(5), null, null);
  }

  @Test
  void sendReachesTheServerOverTlsWithTheMachineCertificate() {
    try (var dialer = Dialer.create(config(List.of("localhost:" + server.actualPort()), null), client)) {
      var response = dialer.send("POST", "/device/v1/batches?x=1", "application/cbor", new byte[] {1, 2, 3},
          Map.of("Authorization", "Bearer k"));

      assertEquals(200, response.status());
      assertEquals("cloud", response.headers().get("X-Served-By"));
      assertTrue(response.bodyText().startsWith("POST /device/v1/batches?x=1 3 "), response.bodyText());
      assertTrue(response.bodyText().contains("CN=hub-1"), "the server saw the machine certificate: " + response.bodyText());
      assertEquals("https://localhost:" + server.actualPort(), dialer.currentRoute());
    }
  }

  @Test
  void aMachineWithoutIdentityConnectsAnonymously() {
    try (var dialer = Dialer.create(config(List.of("127.0.0.1:" + server.actualPort()), null), site.trustOnly("new"))) {
      var response = dialer.send("GET", "/api/v1/health", null, null, null);
      assertEquals("GET /api/v1/health 0 anonymous", response.bodyText());
    }
  }

  @Test
  void movesPastARefusingAndAHangingPortToTheWorkingOneAndSticksToIt() throws Exception {
    try (var hanging = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {   // accepts nothing, answers nothing
      int closed = TestSite.closedPort();
      var ports = List.of(closed, hanging.getLocalPort(), server.actualPort());
      try (var dialer = Dialer.create(config(List.of("localhost"), ports), client)) {
        assertEquals("https://localhost:" + closed, dialer.currentRoute());

        long started = System.nanoTime();
        var response = dialer.send("GET", "/first", null, null, null);
        var firstTook = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(200, response.status());
        assertEquals("https://localhost:" + server.actualPort(), dialer.currentRoute());
        assertTrue(firstTook.compareTo(CONNECT.multipliedBy(4)) < 0, "took " + firstTook);

        started = System.nanoTime();
        assertEquals(200, dialer.send("GET", "/second", null, null, null).status());
        var secondTook = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(secondTook.compareTo(CONNECT) < 0, "the second request went straight to the route that worked, took "
            + secondTook);
      }
    }
  }

  @Test
  void whenNoRouteAnswersTheErrorListsEachRouteAndWhy() throws Exception {
    try (var hanging = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int closed = TestSite.closedPort();
      var config = config(List.of("localhost:" + closed, "localhost:" + hanging.getLocalPort()), null);
      try (var dialer = Dialer.create(config, client)) {
        var e = assertThrows(DialException.class, () -> dialer.send("GET", "/", null, null, null));

        assertEquals(2, e.attempts().size(), e.getMessage());
        assertTrue(e.attempts().get(0).startsWith("https://localhost:" + closed + " → connection refused"), e.getMessage());
        assertTrue(e.attempts().get(1).startsWith("https://localhost:" + hanging.getLocalPort() + " → connected, but no TLS answer within 1 s"),
            e.getMessage());
        assertTrue(e.getMessage().startsWith("no route answered GET / (direct, tried 2 routes)"), e.getMessage());
      }
    }
  }

  @Test
  void refusesAServerWithACertificateFromAnotherCa() {
    var impostorSite = new TestSite(dir.resolve("impostor"));
    var impostor = TestSite.serve(vertx, impostorSite.machine("cloud", List.of("localhost"), List.of("127.0.0.1")),
        "impostor", new AtomicInteger());
    try (var dialer = Dialer.create(config(List.of("localhost:" + impostor.actualPort()), null), client)) {
      var e = assertThrows(DialException.class, () -> dialer.send("GET", "/", null, null, null));
      assertTrue(e.getMessage().contains("server certificate is not trusted"), e.getMessage());
    } finally {
      impostor.close().await();
    }
  }

  @Test
  void probeTriesEveryRouteInOrderAndSaysHowFarEachGot() throws Exception {
    int closed = TestSite.closedPort();
    var impostorSite = new TestSite(dir.resolve("impostor-probe"));
    var impostor = TestSite.serve(vertx, impostorSite.machine("cloud", List.of("localhost"), List.of("127.0.0.1")),
        "impostor", new AtomicInteger());
    var endpoints = List.of("localhost:" + closed, "localhost:" + impostor.actualPort(), "localhost:" + server.actualPort());
    try (var dialer = Dialer.create(config(endpoints, null), client)) {
      long before = System.currentTimeMillis();
      var probes = dialer.probe("/health/live");

      assertEquals(List.of("localhost:" + closed, "localhost:" + impostor.actualPort(), "localhost:" + server.actualPort()),
          probes.stream().map(RouteProbe::route).toList());
      assertEquals(RouteProbe.Outcome.CONNECT_FAILED, probes.get(0).outcome());
      assertTrue(probes.get(0).detail().startsWith("connection refused"), probes.get(0).detail());
      assertEquals(RouteProbe.Outcome.TLS_FAILED, probes.get(1).outcome());
      assertTrue(probes.get(1).detail().contains("not issued by a CA in ca.pem"), probes.get(1).detail());
      var answered = probes.get(2);
      assertEquals(RouteProbe.Outcome.ANSWERED, answered.outcome());
      assertEquals(200, answered.status());
      assertEquals("cloud", answered.headers().get("X-Served-By"));
      assertEquals("TLSv1.3", answered.tlsVersion());
      assertTrue(answered.serverCertificates().get(0).getSubjectX500Principal().getName().contains("CN=cloud"));
      assertTrue(answered.sentAtMillis() >= before && answered.receivedAtMillis() >= answered.sentAtMillis());
      assertEquals("https://localhost:" + closed, dialer.currentRoute(), "a probe does not move the dialer's route");
    } finally {
      impostor.close().await();
    }
  }

  @Test
  void refusesAServerWhoseCertificateNamesAnotherHost() {
    var elsewhere = TestSite.serve(vertx, site.machine("elsewhere", List.of("elsewhere.example.net"), List.of()),
        "elsewhere", new AtomicInteger());
    try (var dialer = Dialer.create(config(List.of("localhost:" + elsewhere.actualPort()), null), client)) {
      var e = assertThrows(DialException.class, () -> dialer.send("GET", "/", null, null, null));
      assertTrue(e.getMessage().contains("does not match the host name") && e.getMessage().contains("elsewhere.example.net"),
          e.getMessage());
    } finally {
      elsewhere.close().await();
    }
  }

  @Test
  void anHttpErrorIsAnAnswerNotARouteFailure() {
    var failing = vertx.createHttpServer(VertxTls.httpServer(site.machine("failing", List.of("localhost"), List.of())))
        .requestHandler(request -> request.response().setStatusCode(503).end("busy"))
        .listen(0, "127.0.0.1").await();
    try (var dialer = Dialer.create(config(List.of("localhost:" + failing.actualPort(), "localhost:" + server.actualPort()),
        null), client)) {
      var response = dialer.send("GET", "/", null, null, null);
      assertEquals(503, response.status());
      assertEquals("busy", new String(response.body(), StandardCharsets.UTF_8));
      assertEquals("https://localhost:" + failing.actualPort(), dialer.currentRoute());
    } finally {
      failing.close().await();
    }
  }

  @Test
  void aChannelOpensOnTheFirstRouteThatAcceptsAndCarriesTextBothWays() throws Exception {
    var received = new CopyOnWriteArrayList<String>();
    var closed = new CopyOnWriteArrayList<Integer>();
    var listener = new ChannelListener() {
      @Override
      public void onText(Channel channel, String text) {
        received.add(text);
      }

      @Override
      public void onClosed(Channel channel, int code, String reason) {
        closed.add(code);
      }

      @Override
      public void onFailure(Channel channel, Throwable error) {
        received.add("failure: " + error);
      }
    };
    int refused = TestSite.closedPort();
    try (var dialer = Dialer.create(config(List.of("localhost"), List.of(refused, server.actualPort())), client)) {
      var channel = dialer.openChannel("/ws", Map.of("Authorization", "Bearer k"), listener).get(10, TimeUnit.SECONDS);
      assertEquals("https://localhost:" + server.actualPort(), dialer.currentRoute());

      assertTrue(channel.send("hello"));
      assertTrue(channel.send("world"));
      await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 2);
      assertEquals(List.of("echo:hello", "echo:world"), received);

      channel.send("bye");   // the server closes
      await().atMost(Duration.ofSeconds(5)).until(() -> closed.equals(List.of(1000)));
    }
  }

  @Test
  void aChannelTheServerRefusesFailsWithItsStatus() {
    var listener = new ChannelListener() {
      @Override
      public void onText(Channel channel, String text) {}

      @Override
      public void onClosed(Channel channel, int code, String reason) {}

      @Override
      public void onFailure(Channel channel, Throwable error) {}
    };
    try (var dialer = Dialer.create(config(List.of("localhost:" + server.actualPort()), null), client)) {
      var e = assertThrows(ExecutionException.class,
          () -> dialer.openChannel("/not-a-channel", null, listener).get(10, TimeUnit.SECONDS));
      var cause = assertInstanceOf(DialException.class, e.getCause());
      assertTrue(cause.getMessage().contains("answered HTTP 401"), cause.getMessage());
    }
  }

  @Test
  void aChannelWithNoRouteFailsWithADialException() throws Exception {
    int refused = TestSite.closedPort();
    try (var dialer = Dialer.create(config(List.of("localhost:" + refused), null), client)) {
      var e = assertThrows(ExecutionException.class, () -> dialer.openChannel("/ws", null, new ChannelListener() {
        @Override
        public void onText(Channel channel, String text) {}

        @Override
        public void onClosed(Channel channel, int code, String reason) {}

        @Override
        public void onFailure(Channel channel, Throwable error) {}
      }).get(10, TimeUnit.SECONDS));
      var cause = assertInstanceOf(DialException.class, e.getCause());
      assertTrue(cause.getMessage().contains("connection refused"), cause.getMessage());
    }
  }

  @Test
  void aDialerNeedsTheCaFile() {
    var e = assertThrows(CryptoException.class,
        () -> Dialer.create(DialerConfig.of("localhost"), TlsFiles.inFolder(dir.resolve("empty"))));
    assertTrue(e.getMessage().contains("ca.pem"), e.getMessage());
  }

  @Test
  void backoffIsBoundedGrowsAndIsJittered() {
    var config = new DialerConfig(List.of("localhost"), null, null, null, null, Duration.ofSeconds(1), Duration.ofSeconds(60));
    try (var dialer = Dialer.create(config, client)) {
      for (int n = 1; n <= 100; n++) {
        var wait = dialer.backoff(n);
        assertTrue(wait.compareTo(Duration.ofSeconds(1)) >= 0 && wait.compareTo(Duration.ofSeconds(60)) <= 0, n + ": " + wait);
      }
      var first = sample(dialer, 1);
      var sixth = sample(dialer, 6);
      assertTrue(first.stream().allMatch(d -> d.toMillis() <= 2000), "after one failure at most 2 × backoffMin");
      assertTrue(average(sixth) > 2 * average(first), "grows: " + average(first) + " → " + average(sixth));
      assertTrue(first.stream().distinct().count() > 50, "jittered");
      assertTrue(sixth.stream().distinct().count() > 50, "jittered");
      assertThrows(IllegalArgumentException.class, () -> dialer.backoff(0));
    }
    var fixed = new DialerConfig(List.of("localhost"), null, null, null, null, Duration.ofSeconds(60), Duration.ofSeconds(60));
    try (var dialer = Dialer.create(fixed, client)) {
      assertEquals(Duration.ofSeconds(60), dialer.backoff(Integer.MAX_VALUE));
    }
  }

  private static List<Duration> sample(Dialer dialer, int failures) {
    return java.util.stream.IntStream.range(0, 200).mapToObj(i -> dialer.backoff(failures)).toList();
  }

  private static double average(List<Duration> samples) {
    return samples.stream().mapToLong(Duration::toMillis).average().orElseThrow();
  }
}
