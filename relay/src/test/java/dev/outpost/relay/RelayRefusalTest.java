package dev.outpost.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.RelayWire;
import dev.outpost.relay.TestRelay.End;
import dev.outpost.relay.TestRelay.Identity;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each refusal is one ERR line and a closed connection, and leaves a session that runs beside it
 * undisturbed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayRefusalTest {
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(600);
  private static final Duration PAIR_TIMEOUT = Duration.ofMillis(1200);

  @TempDir
  Path dir;
  private TestRelay site;
  private Identity operator;
  private Identity device;
  /** A session that runs through every test: refusals must not disturb it. */
  private End[] bystander;

  @BeforeEach
  void setUp() throws IOException {
    site = new TestRelay(dir, c -> c.withTimeouts(HANDSHAKE_TIMEOUT, PAIR_TIMEOUT, null).withLimits(3, null, null));
    operator = site.machine("operator");
    device = site.machine("device");
    bystander = site.pair("bystander", site.machine("other-operator"), site.machine("other-device"), 0);
  }

  @AfterEach
  void bystanderStillWorks() throws IOException {
    try {
      byte[] ping = RelayPairingTest.data(10_000, 9);
      bystander[0].out.write(ping);
      bystander[0].out.flush();
      assertArrayEquals(ping, bystander[1].readExactly(ping.length), "the other session is undisturbed");
      assertNull(site.record("bystander"));
    } finally {
      site.close();
    }
  }

  @Test
  void aWrongTokenIsAnUnknownSession() throws IOException {
    site.expect("s1", RelayWire.newToken(), operator, device, 0);

    var end = site.connect(operator).join(RelayWire.newToken());

    assertRefused(end, RelayWire.ERR_UNKNOWN_SESSION);
    // and it is handed to the audit, without a session (the relay knows none for that token)
    await().atMost(Duration.ofSeconds(2)).until(() -> site.refusals.size() == 1);
    var refusal = site.refusals.get(0);
    assertEquals(RelayWire.ERR_UNKNOWN_SESSION, refusal.reason());
    assertEquals(null, refusal.sessionId());
    assertEquals("127.0.0.1", refusal.address());
  }

  @Test
  void aTokenUsedByAPairedSessionIsSpent() throws IOException {
    String token = RelayWire.newToken();
    site.expect("s1", token, operator, device, 0);
    var first = site.connect(operator).join(token);
    var second = site.connect(device).join(token);
    assertEquals(RelayWire.WAIT, first.readLine());
    assertEquals(RelayWire.WAIT, second.readLine());
    assertEquals(RelayWire.PAIRED, first.readLine());

    assertRefused(site.connect(operator).join(token), RelayWire.ERR_ALREADY_JOINED);
    assertRefused(site.connect(device).join(token), RelayWire.ERR_ALREADY_JOINED);

    first.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> site.record("s1") != null);
    assertRefused(site.connect(operator).join(token), RelayWire.ERR_ALREADY_JOINED);
  }

  @Test
  void theSameEndCannotJoinTwice() throws IOException {
    String token = RelayWire.newToken();
    site.expect("s1", token, operator, device, 0);
    var first = site.connect(operator).join(token);
    assertEquals(RelayWire.WAIT, first.readLine());

    assertRefused(site.connect(operator).join(token), RelayWire.ERR_ALREADY_JOINED);

    var deviceEnd = site.connect(device).join(token);
    assertEquals(RelayWire.WAIT, deviceEnd.readLine());
    assertEquals(RelayWire.PAIRED, deviceEnd.readLine());
    assertEquals(RelayWire.PAIRED, first.readLine());
  }

  @Test
  void aCertificateThatIsNotBoundToTheSessionIsRefused() throws IOException {
    String token = RelayWire.newToken();
    site.expect("s1", token, operator, device, 0);

    assertRefused(site.connect(site.machine("stranger")).join(token), RelayWire.ERR_NOT_BOUND);
    assertRefused(site.connectWithoutCertificate().join(token), RelayWire.ERR_NOT_BOUND);
    // a session bound to other ends does not admit these either
    String other = RelayWire.newToken();
    site.expect("s2", other, site.machine("x"), site.machine("y"), 0);
    assertRefused(site.connect(operator).join(other), RelayWire.ERR_NOT_BOUND);
    assertEquals(0, site.relay.load().waiting());
  }

  @Test
  void anExpiredTicketCannotBeJoined() throws IOException {
    String token = RelayWire.newToken();
    site.relay.expect(new Ticket("s1", Ticket.tokenHash(token), operator.pin(), device.pin(),
        Instant.now().plusMillis(300), 0)).await();
    await().atMost(Duration.ofSeconds(5)).until(() -> site.record("s1") != null);

    assertRefused(site.connect(operator).join(token), RelayWire.ERR_EXPIRED);
    var record = site.record("s1");
    assertEquals(EndReason.EXPIRED, record.reason());
    assertNull(record.startedAt());
  }

  @Test
  void garbageBeforeTheLineIsABadRequest() throws IOException {
    assertRefused(site.connect(operator).send("GET / HTTP/1.1"), RelayWire.ERR_BAD_REQUEST);
    assertRefused(site.connect(operator).send("\u0001\u0002" + RelayWire.PING), RelayWire.ERR_BAD_REQUEST);
    // ends of another version hear which one this relay speaks (before 2 the relay's TLS went on after PAIRED)
    assertRefused(site.connect(operator).send("OUTPOST-RELAY 1 JOIN " + RelayWire.newToken()), RelayWire.ERR_VERSION);
    assertRefused(site.connect(operator).send("OUTPOST-RELAY 3 PING"), RelayWire.ERR_VERSION);
    assertRefused(site.connect(operator).send(RelayWire.PREFIX + "JOIN"), RelayWire.ERR_BAD_REQUEST);
    assertRefused(site.connect(operator).send(RelayWire.PREFIX + "JOIN a b"), RelayWire.ERR_BAD_REQUEST);
    assertRefused(site.connect(operator).send(RelayWire.PING + "\r"), RelayWire.ERR_BAD_REQUEST);
  }

  @Test
  void aLineLongerThan512BytesIsABadRequestWithoutWaitingForItsEnd() throws IOException {
    var end = site.connect(operator);
    end.out.write((RelayWire.PREFIX + "JOIN " + "A".repeat(600)).getBytes(StandardCharsets.US_ASCII));
    end.out.flush();

    assertRefused(end, RelayWire.ERR_BAD_REQUEST);
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAtTheHandshakeDeadline() throws IOException {
    var silent = site.connect(operator);
    long start = System.nanoTime();
    var halfLine = site.connect(device);
    halfLine.out.write((RelayWire.PREFIX + "JO").getBytes(StandardCharsets.US_ASCII));
    halfLine.out.flush();

    assertEquals(RelayWire.ERR_TIMEOUT, silent.readLine());
    assertTrue(silent.closedWithin(Duration.ofSeconds(1)));
    long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
    assertTrue(elapsed >= HANDSHAKE_TIMEOUT.toMillis() - 100 && elapsed < HANDSHAKE_TIMEOUT.toMillis() + 1500,
        "closed after " + elapsed + " ms");
    assertRefused(halfLine, RelayWire.ERR_TIMEOUT);
  }

  @Test
  void aTcpConnectionWithoutTlsIsClosedAtTheHandshakeDeadline() throws IOException {
    try (var raw = new Socket("127.0.0.1", site.relay.port())) {
      raw.setSoTimeout(10_000);
      long start = System.nanoTime();

      assertEquals(-1, raw.getInputStream().read());
      long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
      assertTrue(elapsed >= HANDSHAKE_TIMEOUT.toMillis() - 100 && elapsed < HANDSHAKE_TIMEOUT.toMillis() + 1500,
          "closed after " + elapsed + " ms");
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> site.refusals.stream()
        .anyMatch(r -> r.reason().startsWith("TLS handshake failed") && r.sessionId() == null));
  }

  @Test
  void anEndAloneGetsTimeoutAndTheSessionIsFreed() throws IOException {
    String token = RelayWire.newToken();
    site.expect("s1", token, operator, device, 0);
    var alone = site.connect(operator).join(token);
    assertEquals(RelayWire.WAIT, alone.readLine());
    assertEquals(1, site.relay.load().waiting());

    assertEquals(RelayWire.ERR_TIMEOUT, alone.readLine());
    assertTrue(alone.closedWithin(Duration.ofSeconds(1)));

    await().atMost(Duration.ofSeconds(2)).until(() -> site.record("s1") != null);
    assertEquals(EndReason.TIMEOUT, site.record("s1").reason());
    assertEquals(0, site.relay.load().waiting());
    assertRefused(site.connect(device).join(token), RelayWire.ERR_EXPIRED);
    // both refusals are handed to the audit with the session they were for
    await().atMost(Duration.ofSeconds(2)).until(() -> site.refusals.size() == 2);
    assertEquals(List.of(RelayWire.ERR_TIMEOUT, RelayWire.ERR_EXPIRED), site.refusals.stream().map(Refusal::reason).toList());
    assertTrue(site.refusals.stream().allMatch(r -> "s1".equals(r.sessionId())), site.refusals.toString());
  }

  @Test
  void aJoinBeyondMaxSessionsIsBusy() throws IOException {
    // with the bystander, 3 of 3
    site.pair("s1", operator, device, 0);
    site.pair("s2", operator, device, 0);
    String token = RelayWire.newToken();
    site.expect("s-busy", token, operator, device, 0);

    assertRefused(site.connect(operator).join(token), RelayWire.ERR_BUSY);
    assertEquals("PONG 3 3", site.connect(operator).send(RelayWire.PING).readLine());
  }

  @Test
  void weakTlsIsRefused() throws IOException {
    var socket = (SSLSocket) operator.context().getSocketFactory()
        .createSocket("127.0.0.1", site.relay.port());
    socket.setEnabledProtocols(new String[] {"TLSv1.2"});
    socket.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
    try (socket) {
      assertThrows(SSLException.class, socket::startHandshake);
    }
  }

  @Test
  void ticketsThatClashOrExpiredAreRefusedAndTheSameTicketAgainIsFine() {
    String token = RelayWire.newToken();
    var ticket = site.expect("s1", token, operator, device, 0);
    site.relay.expect(ticket).await();

    var otherToken = new Ticket("s1", Ticket.tokenHash(RelayWire.newToken()), operator.pin(), device.pin(),
        ticket.expiresAt(), 0);
    assertTrue(failure(otherToken).contains("already known"));
    var sameToken = new Ticket("s2", Ticket.tokenHash(token), operator.pin(), device.pin(), ticket.expiresAt(), 0);
    assertTrue(failure(sameToken).contains("already used"));
    var expired = new Ticket("s3", Ticket.tokenHash(RelayWire.newToken()), operator.pin(), device.pin(),
        Instant.now().minusSeconds(1), 0);
    assertTrue(failure(expired).contains("expired"));
  }

  private String failure(Ticket ticket) {
    var result = site.relay.expect(ticket);
    await().atMost(Duration.ofSeconds(2)).until(result::isComplete);
    assertTrue(result.failed(), "refused: " + ticket);
    assertTrue(result.cause() instanceof IllegalArgumentException);
    return result.cause().getMessage();
  }

  private static void assertRefused(End end, String error) throws IOException {
    try (end) {
      assertEquals(error, end.readLine());
      assertTrue(end.closedWithin(Duration.ofSeconds(2)), "closed after " + error);
    }
  }
}
