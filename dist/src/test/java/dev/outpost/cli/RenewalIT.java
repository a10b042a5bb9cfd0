package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.cloud.CloudConfig;
import dev.outpost.crypto.Pem;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates renew themselves without a restart: with a policy that renews almost at once, the
 * connector's and the hub's certificates are replaced (same key, new serial) while both stay linked
 * and measurements keep arriving over the renewed mutual TLS.
 */
class RenewalIT {
  @TempDir
  Path root;

  @Test
  void connectorAndHubCertificatesAreRenewedWhileTheSiteRuns() throws Exception {
    // Valid 1 h, renewed once less than 1 h - 3 s is left: every few seconds, checked every second.
    var policy = new CloudConfig.Certificates(Duration.ofHours(1), Duration.ofHours(1).minusSeconds(3), Duration.ofSeconds(1));
    var site = LocalSite.start(root, 0, 1, 1, policy);
    try {
      BigInteger connectorSerial = serial(root.resolve("connector"));
      BigInteger hubSerial = serial(root.resolve("hub-1"));
      var connectorKey = Pem.readCertificates(root.resolve("connector/identity.pem")).get(0).getPublicKey();

      await().atMost(Duration.ofSeconds(20)).until(() ->
          !serial(root.resolve("connector")).equals(connectorSerial) && !serial(root.resolve("hub-1")).equals(hubSerial));
      assertTrue(Pem.readCertificates(root.resolve("connector/identity.pem")).get(0).getPublicKey().equals(connectorKey),
          "the key stays");

      String hub = site.hubs().get(0).machine().uid();
      long stored = site.cloud().store().countFor(hub);
      await().atMost(Duration.ofSeconds(40)).until(() -> site.hubs().get(0).linked()
          && site.connector().channelOpen() && site.cloud().store().countFor(hub) > stored);
    } finally {
      site.stop();
    }
  }

  private static BigInteger serial(Path dir) {
    return Pem.readCertificates(dir.resolve("identity.pem")).get(0).getSerialNumber();
  }
}
