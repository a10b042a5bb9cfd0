package dev.outpost.transport.session;

import static dev.outpost.transport.session.TunnelSite.DEVICE_UID;
import static dev.outpost.transport.session.TunnelSite.OPERATOR_UID;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.MachineKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each end accepts exactly the other end the access server named, and nothing that is not TLS 1.3. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionIdentityTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final TunnelSite site = new TunnelSite();

  private static void assertStartsWith(String prefix, Throwable failure) {
    assertTrue(failure != null && failure.getMessage().startsWith(prefix), "expected '" + prefix + "…', got " + failure);
  }

  private static void assertContains(String part, Throwable failure) {
    assertTrue(failure != null && failure.getMessage().contains(part), "expected '…" + part + "…', got " + failure);
  }

  private static void assertNoSession(TunnelSite.Tunnel tunnel) {
    assertNull(tunnel.operator, "no operator end");
    assertNull(tunnel.device, "no device end");
    assertTrue(tunnel.operatorFailure instanceof SessionException, String.valueOf(tunnel.operatorFailure));
    assertTrue(tunnel.deviceFailure instanceof SessionException, String.valueOf(tunnel.deviceFailure));
  }

  @Test
  void theOperatorRefusesADeviceWithAnotherUid() throws Exception {
    var pairing = site.pairing();
    pairing.expectedDeviceUid = "connector-somewhere-else";

    try (var tunnel = pairing.connect()) {
      assertNoSession(tunnel);
      assertEquals("device certificate refused: it is for " + DEVICE_UID + ", expected connector-somewhere-else",
          tunnel.operatorFailure.getMessage());
      assertStartsWith("TLS handshake with the operator end failed: ", tunnel.deviceFailure);
      assertContains("did not accept this end's certificate", tunnel.deviceFailure);
    }
  }

  @Test
  void theDeviceRefusesAnOperatorKeyThatIsNotBoundToTheSession() throws Exception {
    var pairing = site.pairing();
    var boundPin = MachineKeys.pin(MachineKeys.generate().getPublic());
    pairing.expectedOperatorPin = boundPin;

    try (var tunnel = pairing.connect()) {
      assertNoSession(tunnel);
      assertEquals("operator certificate refused: its key (pin " + site.operatorPin()
          + ") is not the one bound to this session (pin " + boundPin + ")", tunnel.deviceFailure.getMessage());
      assertStartsWith("the device end ended the TLS session: ", tunnel.operatorFailure);
      assertContains("did not accept this end's certificate", tunnel.operatorFailure);
    }
  }

  @Test
  void anOperatorCertificateFromAnotherCaIsRefusedEvenWithTheSameNames() throws Exception {
    var pairing = site.pairing();
    var otherCa = CertificateAuthority.create("Test Org");
    pairing.operatorCredentials = site.credentials(otherCa, site.operatorKeys, OPERATOR_UID, OperatorSession.ROLE,
        Duration.ofMinutes(10));

    try (var tunnel = pairing.connect()) {
      assertNoSession(tunnel);
      assertStartsWith("operator certificate refused: peer certificate CN=" + OPERATOR_UID, tunnel.deviceFailure);
      assertContains("signed by another CA", tunnel.deviceFailure);
    }
  }

  @Test
  void aDeviceCertificateFromAnotherCaIsRefused() throws Exception {
    var pairing = site.pairing();
    var otherCa = CertificateAuthority.create("Other Org");
    pairing.deviceCredentials = site.credentials(otherCa, site.deviceKeys, DEVICE_UID, DeviceSession.ROLE,
        Duration.ofDays(1));

    try (var tunnel = pairing.connect()) {
      assertNoSession(tunnel);
      assertStartsWith("device certificate refused: peer certificate CN=" + DEVICE_UID, tunnel.operatorFailure);
      assertContains("signed by another CA", tunnel.operatorFailure);
    }
  }

  @Test
  void aMachineCertificateCannotActAsTheOperator() throws Exception {
    var pairing = site.pairing();
    pairing.operatorCredentials = site.credentials(site.ca, site.operatorKeys, OPERATOR_UID, DeviceSession.ROLE,
        Duration.ofMinutes(10));

    try (var tunnel = pairing.connect()) {
      assertNoSession(tunnel);
      assertEquals("operator certificate refused: peer certificate for " + OPERATOR_UID
          + " refused: role connector, expected operator", tunnel.deviceFailure.getMessage());
    }
  }

  @Test
  void aHubCertificateCannotActAsTheDevice() throws Exception {
    var pairing = site.pairing();
    pairing.deviceCredentials = site.credentials(site.ca, site.deviceKeys, DEVICE_UID, "hub", Duration.ofDays(1));

    try (var tunnel = pairing.connect()) {
      assertNoSession(tunnel);
      assertEquals("device certificate refused: peer certificate for " + DEVICE_UID
          + " refused: role hub, expected connector", tunnel.operatorFailure.getMessage());
    }
  }

  @Test
  void anExpiredOperatorCertificateIsRefused() throws Exception {
    var pairing = site.pairing();
    pairing.operatorCredentials = site.credentials(site.ca, site.operatorKeys, OPERATOR_UID, OperatorSession.ROLE,
        Duration.ofMillis(1));
    var notAfter = pairing.operatorCredentials.chain().get(0).getNotAfter().toInstant();
    await().atMost(Duration.ofSeconds(3)).until(() -> Instant.now().isAfter(notAfter));

    try (var tunnel = pairing.connect()) {
      assertNoSession(tunnel);
      assertContains("refused: expired on " + notAfter, tunnel.deviceFailure);
    }
  }

  @Test
  void garbageInsteadOfATlsHandshakeFailsCleanlyAndDisturbsNoOtherSession() throws Exception {
    try (var echo = new Targets.Echo(); var running = site.pairing().connect().requireUp();
         var listener = new ServerSocket(0, 50, LOOPBACK);
         var garbage = new Socket(LOOPBACK, listener.getLocalPort())) {
      var stream = running.operator.openStream(echo.hostPort());
      garbage.getOutputStream().write("GET / HTTP/1.1\r\nHost: relay\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

      var failure = assertThrows(SessionException.class, () -> DeviceSession.serve(listener.accept(), site.device,
          site.operatorPin(), TargetPolicy.allowAll(), TunnelSite.FAST, null));

      assertStartsWith("TLS handshake with the operator end failed: ", failure);
      assertClosedByTheOtherSide(garbage);
      stream.output().write("still here".getBytes());
      stream.output().close();
      assertArrayEquals("still here".getBytes(), stream.input().readAllBytes());
      assertTrue(running.operator.isOpen() && running.device.isOpen());
    }
  }

  @Test
  void garbageFromTheDeviceSideFailsTheOperatorCleanly() throws Exception {
    try (var listener = new ServerSocket(0, 50, LOOPBACK);
         var operatorSocket = new Socket(LOOPBACK, listener.getLocalPort());
         var fake = listener.accept()) {
      fake.getOutputStream().write(new byte[] {'S', 'S', 'H', '-', '2', '.', '0', '\r', '\n'});

      var failure = assertThrows(SessionException.class, () -> OperatorSession.open(operatorSocket, site.operator,
          DEVICE_UID, TunnelSite.FAST, null));

      assertStartsWith("TLS handshake with the device end failed: ", failure);
      assertTrue(operatorSocket.isClosed());
    }
  }

  @Test
  void aSilentPeerFailsTheHandshakeAfterItsTimeout() throws Exception {
    var options = TunnelSite.FAST.withHandshakeTimeout(Duration.ofMillis(300));
    try (var listener = new ServerSocket(0, 50, LOOPBACK); var silent = new Socket(LOOPBACK, listener.getLocalPort())) {
      long start = System.nanoTime();
      var failure = assertThrows(SessionException.class, () -> DeviceSession.serve(listener.accept(), site.device,
          site.operatorPin(), TargetPolicy.allowAll(), options, null));

      assertEquals("no TLS handshake with the operator end within 300 ms", failure.getMessage());
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
      assertClosedByTheOtherSide(silent);
    }
  }

  @Test
  void tls12IsRefused() throws Exception {
    try (var listener = new ServerSocket(0, 50, LOOPBACK); var raw = new Socket(LOOPBACK, listener.getLocalPort())) {
      var device = CompletableFuture.supplyAsync(() -> {
        try {
          return DeviceSession.serve(listener.accept(), site.device, site.operatorPin(), TargetPolicy.allowAll(),
              TunnelSite.FAST, null);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, task -> CapturingForwarder.daemon("test-device-end", task));
      var context = SSLContext.getInstance("TLS");
      context.init(null, null, null);
      var client = (SSLSocket) context.getSocketFactory().createSocket(raw, "device", raw.getPort(), true);
      client.setEnabledProtocols(new String[] {"TLSv1.2"});

      assertThrows(SSLException.class, client::startHandshake);
      var failure = assertThrows(ExecutionException.class, () -> device.get(10, TimeUnit.SECONDS)).getCause();
      assertStartsWith("TLS handshake with the operator end failed: ", failure);
      assertContains("TLSv1.2", failure);
    }
  }

  @Test
  void optionsAndCredentialsRefuseNonsense() {
    assertThrows(IllegalArgumentException.class, () -> SessionOptions.defaults().withWindow(1));
    assertThrows(IllegalArgumentException.class, () -> SessionOptions.defaults().withIdleTimeout(Duration.ZERO));
    var otherKey = MachineKeys.generate().getPrivate();
    var e = assertThrows(IllegalArgumentException.class,
        () -> new SessionCredentials(otherKey, site.device.chain(), site.ca.certificate()));
    assertTrue(e.getMessage().startsWith("the private key does not belong to the certificate ")
        && e.getMessage().contains("CN=" + DEVICE_UID), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new SessionCredentials(otherKey, List.of(), site.ca.certificate()));
  }

  /** The other side closed the connection: reading ends (EOF or reset) within a few seconds. */
  private static void assertClosedByTheOtherSide(Socket socket) throws IOException {
    socket.setSoTimeout(5000);
    try {
      var in = socket.getInputStream();
      while (in.read() >= 0) {
        // a TLS alert may come first
      }
    } catch (java.net.SocketException e) {
      // reset by the other side: closed as well
    }
  }
}
