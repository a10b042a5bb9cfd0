package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * and measurements keep arriving over the renewed mutual TLS; a relay's is replaced too, and new
 * connections to the relay get the renewed one.
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

  @Test
  void aRelaysCertificateIsRenewedAndServedToNewConnections() throws Exception {
    var policy = new CloudConfig.Certificates(Duration.ofHours(1), Duration.ofHours(1).minusSeconds(3), Duration.ofSeconds(1));
    var site = LocalSite.start(root, 0, 0, 0, policy);
    try {
      var relay = site.startRelay("renewing", null);
      Path dir = root.resolve("relay-renewing");
      BigInteger first = serial(dir);
      var key = Pem.readCertificates(dir.resolve("identity.pem")).get(0).getPublicKey();
      assertEquals(first, served(relay.server().port(), dir), "the relay serves its certificate");

      await().atMost(Duration.ofSeconds(20)).until(() -> !serial(dir).equals(first));
      assertEquals(key, Pem.readCertificates(dir.resolve("identity.pem")).get(0).getPublicKey(), "the key stays");
      // new connections get the renewed certificate (it may be renewed again meanwhile: compare with the file)
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        BigInteger now = serial(dir);
        return !now.equals(first) && now.equals(served(relay.server().port(), dir));
      });
      assertTrue(relay.registered(), "the relay stays registered");
    } finally {
      site.stop();
    }
  }

  /** The serial of the certificate the relay presents to a new TLS connection (checked against its CA). */
  private static BigInteger served(int port, Path relayDir) throws Exception {
    var context = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
    context.init(null, new javax.net.ssl.TrustManager[] {dev.outpost.crypto.TlsFiles.inFolder(relayDir).trustManager()}, null);
    try (var socket = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.startHandshake();
      return ((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private static BigInteger serial(Path dir) {
    return Pem.readCertificates(dir.resolve("identity.pem")).get(0).getSerialNumber();
  }
}
