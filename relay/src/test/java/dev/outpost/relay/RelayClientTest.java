package dev.outpost.relay;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.MachineKeys;
import dev.outpost.protocol.RelayInfo;
import dev.outpost.transport.session.RelayClient;
import dev.outpost.transport.session.SessionCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The ends' client of the relay (its TLS on an engine, see transport) against a real relay. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayClientTest {
  @TempDir
  Path dir;
  private TestRelay site;

  @AfterEach
  void stop() throws Exception {
    site.close();
  }

  private RelayInfo relay(String pin) {
    return new RelayInfo("r1", "test", List.of("127.0.0.1"), List.of(site.relay.port()), pin);
  }

  @Test
  void anEndPingsTheRelayWithThePinTheAccessServerNamed() throws Exception {
    site = new TestRelay(dir, c -> c);
    var credentials = SessionCredentials.load(site.machine("operator").tls());
    long micros = RelayClient.latencyMicros(relay(site.relayPin), null, credentials, Duration.ofSeconds(5));
    assertTrue(micros > 0 && micros < 5_000_000, micros + " µs");
  }

  @Test
  void aRelayWithAnotherKeyIsRefusedAndTheMessageSaysWhy() throws Exception {
    site = new TestRelay(dir, c -> c);
    var credentials = SessionCredentials.load(site.machine("operator").tls());
    String otherPin = MachineKeys.pin(MachineKeys.generate().getPublic());
    var e = assertThrows(IOException.class,
        () -> RelayClient.latencyMicros(relay(otherPin), null, credentials, Duration.ofSeconds(5)));
    assertTrue(e.getMessage().contains("relay r1 is not reachable") && e.getMessage().contains("not the one the access server named"),
        e.getMessage());
  }
}
