package dev.outpost.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.outpost.protocol.RelayWire;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RelayConfigTest {
  private static final Path DIR = Path.of("/var/lib/outpost-relay");
  private static final String PIN_A = "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";
  private static final String PIN_B = "AAAAgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";

  @Test
  void nullsTakeTheDefaults() {
    var config = RelayConfig.of(DIR, "relay-eu-1");

    assertEquals("default", config.region());
    assertEquals("0.0.0.0", config.host());
    assertEquals(443, config.port());
    assertEquals(1000, config.maxSessions());
    assertEquals(12_500_000L, config.bytesPerSecondPerSession());
    assertEquals(125_000_000L, config.bytesPerSecondTotal());
    assertEquals(Duration.ofSeconds(5), config.handshakeTimeout());
    assertEquals(Duration.ofSeconds(30), config.pairTimeout());
    assertEquals(Duration.ofMinutes(10), config.idleTimeout());
  }

  @Test
  void bindsFromJsonAndRefusesUnknownFields() throws Exception {
    var mapper = JsonMapper.builder().addModule(new JavaTimeModule())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    var config = mapper.readValue("""
        {"dataDir": "/var/lib/outpost-relay", "name": "relay-eu-1", "region": "eu-central", "port": 5935,
         "maxSessions": 200, "bytesPerSecondPerSession": 1000000, "pairTimeout": "PT10S"}
        """, RelayConfig.class);

    assertEquals(DIR, config.dataDir());
    assertEquals("eu-central", config.region());
    assertEquals(5935, config.port());
    assertEquals(200, config.maxSessions());
    assertEquals(1_000_000L, config.bytesPerSecondPerSession());
    assertEquals(Duration.ofSeconds(10), config.pairTimeout());
    assertEquals(Duration.ofSeconds(5), config.handshakeTimeout());
    assertThrows(Exception.class, () -> mapper.readValue("""
        {"dataDir": "/x", "name": "r", "maxSesions": 5}
        """, RelayConfig.class));
  }

  @Test
  void badValuesAreRefusedWithAMessageNamingThem() {
    assertMessage("dataDir is required", () -> RelayConfig.of(null, "r"));
    assertMessage("name is required", () -> RelayConfig.of(DIR, null));
    assertMessage("name is required", () -> RelayConfig.of(DIR, "relay one"));
    assertMessage("port must be 0 to 65535", () -> RelayConfig.of(DIR, "r").withAddress("::", 70_000));
    assertMessage("maxSessions must be at least 1", () -> RelayConfig.of(DIR, "r").withLimits(0, null, null));
    assertMessage("bytesPerSecondPerSession must be positive",
        () -> RelayConfig.of(DIR, "r").withLimits(null, 0L, null));
    assertMessage("bytesPerSecondTotal must be positive", () -> RelayConfig.of(DIR, "r").withLimits(null, null, -1L));
    assertMessage("handshakeTimeout must be positive",
        () -> RelayConfig.of(DIR, "r").withTimeouts(Duration.ZERO, null, null));
    assertMessage("idleTimeout must be positive",
        () -> RelayConfig.of(DIR, "r").withTimeouts(null, null, Duration.ofSeconds(-1)));
  }

  @Test
  void ticketsAreCheckedAndHoldTheirOwnHash() {
    byte[] hash = Ticket.tokenHash("token-1");
    var ticket = new Ticket("s-1", hash, PIN_A, PIN_B, Instant.now(), 0);
    hash[0] ^= 1;
    assertEquals(ticket, new Ticket("s-1", Ticket.tokenHash("token-1"), PIN_A, PIN_B, ticket.expiresAt(), 0));

    assertMessage("sessionId", () -> new Ticket("s 1", Ticket.tokenHash("t"), PIN_A, PIN_B, Instant.now(), 0));
    assertMessage("tokenSha256 must be the 32-byte", () -> new Ticket("s", new byte[16], PIN_A, PIN_B, Instant.now(), 0));
    assertMessage("operatorPin must be a key pin",
        () -> new Ticket("s", Ticket.tokenHash("t"), "SHA256:" + PIN_A, PIN_B, Instant.now(), 0));
    assertMessage("the same key", () -> new Ticket("s", Ticket.tokenHash("t"), PIN_A, PIN_A, Instant.now(), 0));
    assertMessage("bytesPerSecond", () -> new Ticket("s", Ticket.tokenHash("t"), PIN_A, PIN_B, Instant.now(), -1));
    assertMessage("visible ASCII", () -> Ticket.tokenHash("with space"));
  }

  @Test
  void wireLinesAreAsDocumented() {
    assertEquals("OUTPOST-RELAY 2 PING", RelayWire.PING);
    assertEquals("OUTPOST-RELAY 2 JOIN abc", RelayWire.join("abc"));
    assertEquals("PONG 3 1000", RelayWire.pong(3, 1000));
    assertEquals(43, RelayWire.newToken().length());
    assertEquals(RelayWire.MAX_LINE_BYTES, RelayWire.join("x".repeat(RelayWire.MAX_TOKEN_LENGTH)).length() + 1);
  }

  private static void assertMessage(String expected, Executable executable) {
    var error = assertThrows(IllegalArgumentException.class, executable);
    assertTrue(error.getMessage().contains(expected), error.getMessage());
  }
}
