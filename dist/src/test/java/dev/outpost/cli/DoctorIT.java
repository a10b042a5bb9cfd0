package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.connector.ConnectorConfig;
import dev.outpost.connector.ConnectorDoctor;
import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.HubConfig;
import dev.outpost.hub.discovery.DiscoveryConfig;
import dev.outpost.hub.doctor.Check;
import dev.outpost.hub.doctor.DoctorReport;
import dev.outpost.hub.doctor.DoctorSettings;
import dev.outpost.hub.doctor.HubDoctor;
import dev.outpost.transport.DialerConfig;
import dev.outpost.transport.ProxyConfig;
import dev.outpost.transport.VertxTls;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code outpost connector doctor} and {@code outpost hub doctor} against a real site on loopback (a
 * cloud, a connector and two hubs in this JVM, real TLS) and against deliberately broken set-ups:
 * a closed port, a proxy that refuses the credentials, a cloud with another CA's certificate, a
 * skewed clock, a machine that is not enrolled, a revoked one.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DoctorIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROXY_PASSWORD = "s3cret-proxy-password";

  @TempDir
  static Path root;
  static LocalSite site;
  static Path routes;

  @BeforeAll
  static void startSite() throws IOException {
    // the hubs find their connector by UPnP on loopback
    site = LocalSite.start(root.resolve("site"), 0, 2, 2, null, true);
    // a routing table with a default route, so that the gateway check does not depend on the test machine
    routes = Files.writeString(root.resolve("route"), """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
        """);
    for (int i = 1; i <= 2; i++) {
      Path told = root.resolve("site/hub-" + i + "/cloud-route.json");
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(told));
    }
  }

  @AfterAll
  static void stopSite() {
    if (site != null) {
      site.stop();
    }
  }

  @Test
  void aWorkingConnectorIsAllOk() {
    var report = ConnectorDoctor.run(connector(cloudEndpoint(), null, null), routes);

    assertAllOk(report);
    assertEquals(List.of("gateway", "identity", "dns", "endpoint", "tls", "clock", "revocation", "multicast", "outbox"),
        names(report));
    assertEquals(0, report.exitCode());
  }

  @Test
  void aWorkingHubIsAllOkAlsoOnItsFallbackPath() {
    var report = HubDoctor.run(hub(1), routes);

    assertAllOk(report);
    assertEquals(List.of("identity", "outbox", "multicast", "dns", "connector", "fallback.gateway", "fallback.dns",
        "fallback.endpoint", "fallback.tls", "fallback.clock", "fallback.revocation"), names(report));
  }

  @Test
  void aHubThatFindsItsConnectorByUpnpChecksTheOneItRemembers() throws IOException {
    var discovering = new HubConfig(root.resolve("site/hub-1"), "hub-1", null, null, null, null, DiscoveryConfig.loopback());

    var report = HubDoctor.run(discovering, routes);

    assertAllOk(report);
    var connector = only(report, "connector");
    assertTrue(connector.detail().startsWith("found by UPnP, 127.0.0.1:" + site.connector().lanPort() + ": TLSv1.3, connector "
        + site.connector().machine().uid() + " of this organisation"), connector.detail());
    assertEquals("lo", only(report, "multicast").detail().substring(0, 2));

    // the same hub remembering another connector: the one that answers is not its own
    Path copy = root.resolve("hub-1-elsewhere");
    Files.createDirectories(copy);
    for (String file : List.of(TlsFiles.KEY_FILE, TlsFiles.CERTIFICATE_FILE, TlsFiles.CA_FILE)) {
      Files.copy(root.resolve("site/hub-1").resolve(file), copy.resolve(file));
    }
    Files.writeString(copy.resolve("connector.json"), "{\"uid\": \"connector-far-away\"}");
    var elsewhere = HubDoctor.run(new HubConfig(copy, "hub-1", null, null, null, null, DiscoveryConfig.loopback(),
        new HubConfig.Fallback(false, null, null, null)), routes);
    var other = only(elsewhere, "connector");
    assertEquals(Check.Status.FAIL, other.status(), elsewhere.toText());
    assertTrue(other.detail().startsWith("its connector connector-far-away did not answer on lo; others did: "
        + site.connector().machine().uid()), other.detail());
  }

  @Test
  void theCommandPrintsOneLinePerCheckAndTheSameAsJson() throws Exception {
    Path config = connectorFile("working.json", "");

    var text = outpost("connector", "doctor", "--config", config.toString());
    var json = outpost("connector", "doctor", "--config", config.toString(), "--json");

    List<String> lines = text.out().lines().toList();
    JsonNode checks = JSON.readTree(json.out());
    assertEquals(lines.size(), checks.size(), text.out() + json.out());
    for (int i = 0; i < lines.size(); i++) {
      var check = checks.get(i);
      String line = check.get("status").asText() + " " + check.get("name").asText() + " " + check.get("detail").asText();
      // two runs: the same checks and findings, timings may differ
      assertEquals(line.replaceAll("[+-]?\\d+", "N"),
          lines.get(i).replaceAll("^(\\S+)\\s+(\\S+)\\s+", "$1 $2 ").replaceAll(" — .*$", "").replaceAll("[+-]?\\d+", "N"));
    }
    // the gateway is this test machine's own; everything else must work
    boolean gatewayOk = lines.get(0).startsWith("OK    gateway");
    for (String line : lines.subList(1, lines.size())) {
      assertTrue(line.startsWith("OK "), text.out());
    }
    assertEquals(gatewayOk ? 0 : 1, text.exit(), text.err());
    assertEquals(text.exit(), json.exit());

    Path hubConfig = Files.writeString(root.resolve("hub.json"), "{\"dataDir\": "
        + JSON.writeValueAsString(root.resolve("site/hub-1").toString()) + ", \"connector\": \"127.0.0.1:"
        + site.connector().lanPort() + "\", \"discovery\": {\"interfaces\": [\"lo\"], \"ttl\": 1}}");
    var hub = outpost("hub", "doctor", "--config", hubConfig.toString());
    assertEquals(0, hub.exit(), hub.out() + hub.err());
    assertTrue(hub.out().lines().allMatch(line -> line.startsWith("OK ") || line.startsWith("WARN  fallback.gateway")), hub.out());
  }

  @Test
  void aWrongPortFailsOnThatEndpointWithAHint() throws Exception {
    int closed = closedPort();
    var report = ConnectorDoctor.run(connector(List.of("127.0.0.1:" + closed), null, null), routes);

    var endpoint = only(report, "endpoint");
    assertEquals(Check.Status.FAIL, endpoint.status(), report.toText());
    assertTrue(endpoint.detail().startsWith("127.0.0.1:" + closed + ": connection refused"), endpoint.detail());
    assertEquals("allow outbound TCP " + closed + " to 127.0.0.1 in the firewall (and on the proxy, if one is used)",
        endpoint.hint());
    assertEquals(1, report.exitCode());

    var fallingBack = ConnectorDoctor.run(connector(List.of("127.0.0.1:" + closed, cloudEndpoint().get(0)), null, null), routes);
    var endpoints = fallingBack.checks().stream().filter(c -> c.name().equals("endpoint")).toList();
    assertEquals(List.of(Check.Status.WARN, Check.Status.OK), endpoints.stream().map(Check::status).toList(),
        fallingBack.toText());
    assertEquals(0, fallingBack.exitCode(), "the links use the next route: a warning, not a failure");
  }

  @Test
  void aProxyThatRefusesTheCredentialsFails() throws Exception {
    try (var proxy = new RefusingProxy()) {
      var report = ConnectorDoctor.run(connector(cloudEndpoint(),
          new ProxyConfig("127.0.0.1", proxy.port(), "outpost", PROXY_PASSWORD), null), routes);

      var check = only(report, "proxy");
      assertEquals(Check.Status.FAIL, check.status(), report.toText());
      assertTrue(check.detail().contains("refused the credentials of user 'outpost' (HTTP 407"), check.detail());
      assertTrue(check.hint().contains("cloud.proxy.password"), check.hint());
      assertEquals(Check.Status.FAIL, only(report, "endpoint").status());
      assertEquals(1, report.exitCode());
      assertTrue(proxy.requests.stream().anyMatch(r -> r.contains("Proxy-Authorization: Basic")), "credentials were offered");
      assertFalse(report.toText().contains(PROXY_PASSWORD), "the password is never shown");
      assertFalse(report.toJson().contains(PROXY_PASSWORD), "the password is never shown");
    }
  }

  @Test
  void aProxyThatLetsUsThroughIsOk() throws Exception {
    Path tinyproxy = Stream.of("/usr/bin/tinyproxy", "/usr/sbin/tinyproxy").map(Path::of).filter(Files::isExecutable)
        .findFirst().orElse(null);
    Assumptions.assumeTrue(tinyproxy != null, "SKIPPED: tinyproxy is not installed (Debian package tinyproxy)");
    int port = closedPort();
    Path conf = Files.write(root.resolve("tinyproxy.conf"), List.of("Port " + port, "Listen 127.0.0.1", "Timeout 30",
        "Allow 127.0.0.1", "BasicAuth outpost " + PROXY_PASSWORD, "LogFile \"" + root.resolve("tinyproxy.log") + "\""));
    var proxy = new ProcessBuilder(tinyproxy.toString(), "-d", "-c", conf.toString()).redirectErrorStream(true)
        .redirectOutput(root.resolve("tinyproxy.out").toFile()).start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> accepts(port));
      var report = ConnectorDoctor.run(connector(cloudEndpoint(),
          new ProxyConfig("127.0.0.1", port, "outpost", PROXY_PASSWORD), null), routes);

      assertAllOk(report);
      assertEquals("proxy 127.0.0.1:" + port + " (user 'outpost') accepted CONNECT", only(report, "proxy").detail());
      assertFalse(report.toJson().contains(PROXY_PASSWORD), "the password is never shown");
    } finally {
      proxy.destroy();
      proxy.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aCloudWithACertificateFromAnotherCaFailsTls() {
    var impostorCa = CertificateAuthority.create("Impostor");
    var keys = MachineKeys.generate();
    var certificate = impostorCa.issue(keys.getPublic(), "cloud", "cloud", List.of("localhost"), List.of("127.0.0.1"),
        Duration.ofDays(30));
    var files = TlsFiles.write(root.resolve("impostor"), keys, List.of(certificate, impostorCa.certificate()),
        impostorCa.certificate());
    Vertx vertx = Vertx.vertx();
    try {
      var server = vertx.createHttpServer(VertxTls.httpServer(files))
          .requestHandler(request -> request.response().end("live"))
          .listen(0, LocalSite.LOOPBACK).await();
      var report = ConnectorDoctor.run(connector(List.of("127.0.0.1:" + server.actualPort()), null, null), routes);

      var tls = only(report, "tls");
      assertEquals(Check.Status.FAIL, tls.status(), report.toText());
      assertTrue(tls.detail().contains("not issued by a CA in ca.pem"), tls.detail());
      assertTrue(tls.hint().contains("TLS inspection"), tls.hint());
      assertEquals(1, report.exitCode());
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void aSkewedClockFromTheConfigFailsAndADriftingOneWarns() throws Exception {
    Path skewed = connectorFile("skewed.json", ", \"doctor\": {\"clockShift\": \"PT10S\"}");
    var run = outpost("connector", "doctor", "--config", skewed.toString(), "--json");
    var clock = checkNamed(JSON.readTree(run.out()), "clock");
    assertEquals("FAIL", clock.get("status").asText(), run.out());
    assertTrue(clock.get("detail").asText().contains("doctor.clockShift PT10S included"), clock.toString());
    assertEquals(1, run.exit());

    var drifting = ConnectorDoctor.run(connector(cloudEndpoint(), null,
        new DoctorSettings(Duration.ofSeconds(4), Duration.ofMillis(-3500), null)), routes);
    assertEquals(Check.Status.WARN, only(drifting, "clock").status(), drifting.toText());
  }

  @Test
  void aMachineThatIsNotEnrolledFails() {
    var config = new ConnectorConfig(root.resolve("new-connector"), "new", LocalSite.LOOPBACK, 0, dialer(cloudEndpoint(), null),
        null, null, null, DiscoveryConfig.loopback(), null, null);
    var report = ConnectorDoctor.run(config, routes);

    var identity = only(report, "identity");
    assertEquals(Check.Status.FAIL, identity.status(), report.toText());
    assertTrue(identity.detail().startsWith("not enrolled"), identity.detail());
    assertTrue(identity.hint().contains("--token"), identity.hint());
    assertEquals(Check.Status.WARN, only(report, "endpoint").status(), "without ca.pem or token nothing to trust yet");
    assertEquals(1, report.exitCode());

    var admin = site.admin();
    var withToken = ConnectorDoctor.run(config.withToken(admin.enrolmentToken(admin.site(LocalSite.SITE), "connector")), routes);
    assertEquals(Check.Status.FAIL, only(withToken, "identity").status());
    for (String name : List.of("endpoint", "tls", "clock")) {
      assertEquals(Check.Status.OK, only(withToken, name).status(), "checked with the token's CA pin: " + withToken.toText());
    }
    assertFalse(Files.exists(root.resolve("new-connector")), "the doctor makes no files");
  }

  @Test
  void aRevokedHubIsToldByTheCloud() {
    var hub = site.hubs().get(1).machine().uid();
    site.admin().revoke(hub);

    var report = HubDoctor.run(hub(2), routes);

    var revocation = only(report, "fallback.revocation");
    assertEquals(Check.Status.FAIL, revocation.status(), report.toText());
    assertTrue(revocation.detail().contains("revoked"), revocation.detail());
    assertEquals(1, report.exitCode());
  }

  // --- the set-ups -------------------------------------------------------------------------------

  private static List<String> cloudEndpoint() {
    return List.of(LocalSite.LOOPBACK + ":" + site.cloud().port());
  }

  private static DialerConfig dialer(List<String> endpoints, ProxyConfig proxy) {
    return new DialerConfig(endpoints, null, proxy, Duration.ofSeconds(2), Duration.ofSeconds(5), null, null);
  }

  private static ConnectorConfig connector(List<String> endpoints, ProxyConfig proxy, DoctorSettings doctor) {
    return new ConnectorConfig(root.resolve("site/connector"), "connector", LocalSite.LOOPBACK, 0, dialer(endpoints, proxy),
        null, null, null, DiscoveryConfig.loopback(), null, doctor);
  }

  private static HubConfig hub(int n) {
    return new HubConfig(root.resolve("site/hub-" + n), "hub-" + n, LocalSite.LOOPBACK + ":" + site.connector().lanPort(),
        null, null, null, DiscoveryConfig.loopback());
  }

  /** The connector's config file as an admin writes it, with {@code extra} JSON members. */
  private static Path connectorFile(String name, String extra) throws IOException {
    return Files.writeString(root.resolve(name), "{\"dataDir\": " + JSON.writeValueAsString(root.resolve("site/connector").toString())
        + ", \"name\": \"connector\", \"lanHost\": \"127.0.0.1\", \"lanPort\": 0"
        + ", \"cloud\": {\"endpoints\": [\"" + cloudEndpoint().get(0) + "\"], \"connectTimeout\": \"PT2S\"}"
        + ", \"discovery\": {\"interfaces\": [\"lo\"], \"ttl\": 1}" + extra + "}");
  }

  record Run(int exit, String out, String err) {
  }

  /** The real jar, as an admin runs it. */
  private static Run outpost(String... args) throws Exception {
    var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target", "outpost.jar").toString()));
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command).start();
    process.getOutputStream().close();
    var out = process.getInputStream().readAllBytes();
    var err = process.getErrorStream().readAllBytes();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "outpost " + String.join(" ", args) + " finished");
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  private static void assertAllOk(DoctorReport report) {
    for (var check : report.checks()) {
      assertEquals(Check.Status.OK, check.status(), report.toText());
    }
  }

  private static List<String> names(DoctorReport report) {
    return report.checks().stream().map(Check::name).toList();
  }

  private static Check only(DoctorReport report, String name) {
    var found = report.checks().stream().filter(c -> c.name().equals(name)).toList();
    assertEquals(1, found.size(), report.toText());
    return found.get(0);
  }

  private static JsonNode checkNamed(JsonNode checks, String name) {
    for (var check : checks) {
      if (check.get("name").asText().equals(name)) {
        return check;
      }
    }
    throw new AssertionError("no check " + name + " in " + checks);
  }

  private static boolean accepts(int port) {
    try (var socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int closedPort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** An HTTP proxy on loopback that answers every request with 407 and notes what it was sent. */
  static final class RefusingProxy implements AutoCloseable {
    final List<String> requests = new CopyOnWriteArrayList<>();
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final Thread thread = new Thread(this::serve, "refusing-proxy");

    RefusingProxy() throws IOException {
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      while (!server.isClosed()) {
        try (Socket socket = server.accept()) {
          requests.add(head(socket.getInputStream()));
          socket.getOutputStream().write(("HTTP/1.1 407 Proxy Authentication Required\r\n"
              + "Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
          // closed, or a client that gave up: next one
        }
      }
    }

    private static String head(InputStream in) throws IOException {
      var head = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0) {
        head.append((char) c);
        if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
          break;
        }
      }
      return head.toString();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
