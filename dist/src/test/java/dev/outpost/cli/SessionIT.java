package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.connector.SupportAccess;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.transport.session.OperatorTunnel;
import dev.outpost.transport.session.SessionException;
import dev.outpost.transport.session.StreamRefusedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote sessions on loopback with every real part: the cloud's access server, a relay registered
 * with it, the connector's runtime, and the operator's tunnel; a real HTTP client talks through the
 * tunnel to a web UI on the site. A forwarder in front of the relay keeps every byte that passes
 * the relay and proves that the plaintext never does.
 */
class SessionIT {
  private static final String SECRET_ANSWER = "plaintext-from-the-device-7f3a9c";
  private static final String SECRET_REQUEST = "plaintext-from-the-operator-51be2d";
  private static final String IPERF3 = "/usr/bin/iperf3";

  @TempDir
  Path root;

  private LocalSite site;
  private HttpServer web;
  private Forwarder forwarder;
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws Exception {
    site = LocalSite.start(root, 0, 0);
    web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    web.createContext("/", exchange -> {
      byte[] asked = exchange.getRequestBody().readAllBytes();
      byte[] body = (SECRET_ANSWER + " for " + new String(asked, StandardCharsets.UTF_8).length() + " bytes").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    web.start();
    forwarder = new Forwarder();
    var relay = site.startRelay("eu-1", "127.0.0.1:" + forwarder.port());
    forwarder.target.set(relay.server().port());
  }

  @AfterEach
  void stop() throws Exception {
    forwarder.close();
    web.stop(0);
    site.stop();
  }

  private OperatorTunnel.Login login(String user, String password) throws Exception {
    return new OperatorTunnel.Login(URI.create(site.dashboard()), TlsFiles.inFolder(root.resolve("cloud")).trustManager(),
        LocalSite.ORGANISATION, user, password.toCharArray());
  }

  private OperatorTunnel open(OperatorTunnel.Login login, String target) throws Exception {
    return OperatorTunnel.open(login, "connector", target, null, null, new InetSocketAddress("127.0.0.1", 0),
        new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  @Test
  void aRealHttpClientReachesAWebUiOnTheSiteAndTheRelaySeesOnlyCiphertext() throws Exception {
    String target = "127.0.0.1:" + web.getAddress().getPort();
    try (var tunnel = open(login(LocalSite.ADMIN, site.password()), target)) {
      assertEquals("eu-1", tunnel.relay());
      var http = new OkHttpClient.Builder().build();
      for (int i = 0; i < 3; i++) {
        var request = new Request.Builder().url("http://127.0.0.1:" + tunnel.port() + "/ui")
            .post(RequestBody.create(SECRET_REQUEST.repeat(1_000), MediaType.get("text/plain"))).build();
        try (var response = http.newCall(request).execute()) {
          assertEquals(200, response.code());
          assertEquals(SECRET_ANSWER + " for " + SECRET_REQUEST.length() * 1_000 + " bytes", response.body().string());
        }
      }
      // a target outside the site policy (the default: the connector itself only) is refused, the session goes on
      var refused = assertThrows(StreamRefusedException.class, () -> tunnel.session().openStream("10.255.255.1:22"));
      assertTrue(refused.getMessage().contains("outside the site policy"), refused.getMessage());
      assertTrue(tunnel.session().isOpen());
    }
    String captured = forwarder.captured();
    assertTrue(captured.length() > SECRET_REQUEST.length() * 3_000, "the relay carried the traffic: " + captured.length() + " bytes");
    assertFalse(captured.contains(SECRET_REQUEST), "the operator's plaintext never passes the relay");
    assertFalse(captured.contains(SECRET_ANSWER), "the device's plaintext never passes the relay");

    var admin = site.admin();
    await().atMost(Duration.ofSeconds(10)).until(() -> "ended".equals(admin.sessions().get(0).path("outcome").asText()));
    var row = admin.sessions().get(0);
    assertEquals(LocalSite.ADMIN, row.path("user").asText());
    assertEquals(target, row.path("target").asText());
    assertEquals("eu-1", row.path("relay").asText());
    assertTrue(row.path("bytesToDevice").asLong() > SECRET_REQUEST.length() * 3_000L, row.toString());
    assertTrue(row.path("bytesFromDevice").asLong() > 0, row.toString());
    // the stream refused inside the session is in its row (its report may come after the relay's end)
    await().atMost(Duration.ofSeconds(10)).until(() -> admin.sessions().get(0).path("streamsRefused").asInt() == 1);
    row = admin.sessions().get(0);
    assertTrue(row.path("lastStreamRefused").asText().startsWith("10.255.255.1:22: ")
        && row.path("lastStreamRefused").asText().contains("outside the site policy"), row.toString());
  }

  @Test
  void supportUsersGetInOnlyWhileTheSiteAdminHasSupportOnAndOffEndsTheirSessionWithinASecond() throws Exception {
    site.admin().createUser("vendor", "vendor support password", true, true);
    String target = "127.0.0.1:" + web.getAddress().getPort();
    var off = assertThrows(SessionException.class, () -> open(login("vendor", "vendor support password"), target));
    assertTrue(off.getMessage().contains("support access is off"), off.getMessage());

    Path connectorDir = root.resolve("connector");
    SupportAccess.save(connectorDir, new SupportAccess.State(true, false));   // what `outpost connector support on` writes
    await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
      open(login("vendor", "vendor support password"), target).close();
      return true;
    });
    try (var tunnel = open(login("vendor", "vendor support password"), target)) {
      assertTrue(tunnel.session().isOpen());
      SupportAccess.save(connectorDir, SupportAccess.State.OFF);
      await().atMost(Duration.ofMillis(1_500)).until(() -> !tunnel.session().isOpen());
      // the local port closes with the session: a program that connects now is refused, not left waiting
      await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThrows(java.net.ConnectException.class,
          () -> new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), tunnel.port()).close()));
    }
    var refusedAgain = assertThrows(SessionException.class, () -> open(login("vendor", "vendor support password"), target));
    assertTrue(refusedAgain.getMessage().contains("support access is off"), refusedAgain.getMessage());
  }

  @Test
  void aWrongPasswordAndAnUnknownDeviceAreClearRefusals() throws Exception {
    var wrong = assertThrows(SessionException.class, () -> open(login(LocalSite.ADMIN, "not the password"), "127.0.0.1:22"));
    assertTrue(wrong.getMessage().contains("wrong"), wrong.getMessage());
    var unknown = assertThrows(SessionException.class, () -> OperatorTunnel.open(login(LocalSite.ADMIN, site.password()),
        "no-such-device", "127.0.0.1:22", null, null, new InetSocketAddress("127.0.0.1", 0), System.out));
    assertTrue(unknown.getMessage().contains("no approved connector"), unknown.getMessage());
  }

  @Test
  void connectionsTheRelayRefusesAreInTheCloudsAudit() throws Exception {
    // an end with a token of no session, straight at the relay (its TLS, no client certificate)
    var context = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
    context.init(null, new javax.net.ssl.TrustManager[] {TlsFiles.inFolder(root.resolve("relay-eu-1")).trustManager()}, null);
    try (var socket = context.getSocketFactory().createSocket("127.0.0.1", forwarder.target.get())) {
      socket.getOutputStream().write((dev.outpost.protocol.RelayWire.join(dev.outpost.protocol.RelayWire.newToken()) + "\n")
          .getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertTrue(answer.startsWith("ERR"), answer);
    }
    // and garbage where a TLS handshake should be
    try (var raw = new Socket("127.0.0.1", forwarder.target.get())) {
      raw.getOutputStream().write("GET / HTTP/1.1\r\nHost: relay\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      raw.getInputStream().readAllBytes();
    }
    var admin = site.admin();
    await().atMost(Duration.ofSeconds(10)).until(() -> admin.relayRefusals().size() == 2);
    var refusals = admin.relayRefusals();
    assertTrue(refusals.get(1).path("reason").asText().startsWith("ERR"), refusals.toString());
    assertEquals("eu-1", refusals.get(1).path("relay").asText());
    assertEquals("127.0.0.1", refusals.get(1).path("address").asText());
    assertTrue(refusals.get(0).path("reason").asText().startsWith("TLS handshake failed"), refusals.toString());
  }

  @Test
  void iperf3MeasuresThroughTheTunnelWithItsControlAndDataConnections() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(IPERF3)), "iperf3 is not installed here (.ci/run installs it)");
    int port;
    try (var free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    var serverLog = root.resolve("iperf3-server.log");
    // one test, then it exits; on loopback only
    var server = new ProcessBuilder(IPERF3, "-s", "-1", "--forceflush", "-B", "127.0.0.1", "-p", String.valueOf(port))
        .redirectErrorStream(true).redirectOutput(serverLog.toFile()).start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(serverLog).contains("Server listening"));
      try (var tunnel = open(login(LocalSite.ADMIN, site.password()), "127.0.0.1:" + port)) {
        var client = new ProcessBuilder(IPERF3, "-c", "127.0.0.1", "-p", String.valueOf(tunnel.port()), "-t", "2", "-J")
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String json = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(client.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "iperf3 finished");
        assertEquals(0, client.exitValue(), json);
        var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        long sent = report.path("end").path("sum_sent").path("bytes").asLong();
        long received = report.path("end").path("sum_received").path("bytes").asLong();
        assertTrue(received > 10_000_000, "iperf3 moved data through the tunnel: " + received + " bytes");
        // iperf3's server stops counting at the end of the test: what was still in flight (socket
        // buffers, the stream's window) is sent but not received, as on a direct connection
        assertTrue(received <= sent, "no byte made up: " + received + " received, " + sent + " sent");
        await().atMost(Duration.ofSeconds(5)).until(() -> printed.toString(StandardCharsets.UTF_8).contains("stream 2 closed"));
        String lines = printed.toString(StandardCharsets.UTF_8);
        assertTrue(lines.contains("stream 1: ") && lines.contains("stream 2: "),
            "its control and data connections each went through as a stream:\n" + lines);
      }
      assertTrue(server.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the iperf3 server ended its one test");
    } finally {
      server.destroyForcibly();
    }
  }

  /** A TCP forwarder in front of the relay that keeps a copy of every byte in both directions. */
  static final class Forwarder implements AutoCloseable {
    final AtomicInteger target = new AtomicInteger();
    private final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    private final ByteArrayOutputStream capture = new ByteArrayOutputStream();

    Forwarder() throws IOException {
      var accept = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket from = server.accept();
            Socket to = new Socket("127.0.0.1", target.get());
            copy(from.getInputStream(), to.getOutputStream(), to);
            copy(to.getInputStream(), from.getOutputStream(), from);
          } catch (IOException e) {
            return;
          }
        }
      }, "forwarder");
      accept.setDaemon(true);
      accept.start();
    }

    int port() {
      return server.getLocalPort();
    }

    String captured() {
      synchronized (capture) {
        return capture.toString(StandardCharsets.ISO_8859_1);
      }
    }

    private void copy(InputStream in, OutputStream out, Socket closeWhenDone) {
      var thread = new Thread(() -> {
        byte[] buffer = new byte[16_384];
        try {
          int n;
          while ((n = in.read(buffer)) > 0) {
            synchronized (capture) {
              capture.write(buffer, 0, n);
            }
            out.write(buffer, 0, n);
          }
        } catch (IOException ignored) {
          // the other side closed
        }
        try {
          closeWhenDone.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }, "forwarder-copy");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
