package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identities of a whole site on loopback: every machine enrolled through the real paths (token,
 * and the admin's approval), checked with OpenSSL; revocation cuts a hub or a connector off within
 * a second and holds across a restart of every component.
 */
class EnrolmentIT {
  @TempDir
  Path root;

  @Test
  void everyMachinesIdentityVerifiesWithOpensslAndNamesItsUid() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs /usr/bin/openssl");
    var site = LocalSite.start(root, 0, 2);
    try {
      var machines = List.of(
          List.of("connector", site.connector().machine().uid()),
          List.of("hub-1", site.hubs().get(0).machine().uid()),
          List.of("hub-2", site.hubs().get(1).machine().uid()));
      for (var machine : machines) {
        Path dir = root.resolve(machine.get(0));
        assertEquals(dir.resolve("identity.pem") + ": OK", openssl("verify", "-CAfile", dir.resolve("ca.pem").toString(),
            dir.resolve("identity.pem").toString()).strip());
        String subject = openssl("x509", "-in", dir.resolve("identity.pem").toString(), "-noout", "-subject", "-nameopt", "RFC2253");
        assertTrue(subject.contains("CN=" + machine.get(1)), subject);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir.resolve("identity.key"))));
        assertEquals("approved", site.admin().state(machine.get(1)));
      }
    } finally {
      site.stop();
    }
  }

  @Test
  void aRevokedHubIsCutOffWithinOneSecondAndStaysOutAfterARestart() throws Exception {
    var site = LocalSite.start(root, 0, 2);
    String revokedUid = site.hubs().get(1).machine().uid();
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> site.connector().linkedHubs() == 2);
      site.admin().revoke(revokedUid);
      await().atMost(Duration.ofSeconds(1)).until(() -> site.connector().linkedHubs() == 1 && !site.hubs().get(1).linked());
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> !site.hubs().get(1).linked());
      assertTrue(site.hubs().get(0).linked(), "the other hub stays linked");
      assertTrue(Files.readString(root.resolve("connector/revoked.json")).contains(revokedUid));
    } finally {
      site.stop();
    }
    var again = LocalSite.start(root, 0, 2);
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> again.hubs().get(0).linked());
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> !again.hubs().get(1).linked());
      assertEquals("revoked", again.admin().state(revokedUid));
    } finally {
      again.stop();
    }
  }

  @Test
  void aRevokedConnectorLosesItsChannelWithinOneSecond() throws Exception {
    var site = LocalSite.start(root, 0, 1);
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> site.connector().channelOpen());
      site.admin().revoke(site.connector().machine().uid());
      await().atMost(Duration.ofSeconds(1)).until(() -> !site.connector().channelOpen());
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> !site.connector().channelOpen());
      long stored = site.cloud().store().countFor(site.connector().machine().uid());
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
          .until(() -> site.cloud().store().countFor(site.connector().machine().uid()) == stored);
    } finally {
      site.stop();
    }
  }

  @Test
  void theConnectorRefusesHubLinksWithAForeignOrAWrongRoleCertificate() throws Exception {
    var site = LocalSite.start(root, 0, 1);
    var vertx = io.vertx.core.Vertx.vertx();
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> site.connector().linkedHubs() == 1);
      var foreignCa = dev.outpost.crypto.CertificateAuthority.create(LocalSite.ORGANISATION);
      var keys = dev.outpost.crypto.MachineKeys.generate();
      Path foreign = root.resolve("foreign");
      dev.outpost.crypto.TlsFiles.write(foreign, keys, List.of(foreignCa.issue(keys.getPublic(),
          site.hubs().get(0).machine().uid(), "hub", List.of(), List.of(), Duration.ofDays(1))), foreignCa.certificate());
      for (Path identity : List.of(foreign, root.resolve("connector"))) {
        var client = vertx.createWebSocketClient(new io.vertx.core.http.WebSocketClientOptions()
            .setSsl(true).setVerifyHost(false)
            .setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(root.resolve("connector/ca.pem").toString()))
            .setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
                .setKeyPath(identity.resolve("identity.key").toString()).setCertPath(identity.resolve("identity.pem").toString())));
        var attempt = client.connect(site.connector().lanPort(), LocalSite.LOOPBACK, "/lan/v1");
        boolean refused;
        try {
          attempt.await(10, TimeUnit.SECONDS).close();
          refused = false;
        } catch (Exception e) {
          refused = true;
        }
        assertTrue(refused, "a link with the certificate in " + identity + " is refused");
      }
      assertEquals(1, site.connector().linkedHubs(), "the real hub stays linked");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      site.stop();
    }
  }

  private static String openssl(String... args) throws IOException, InterruptedException {
    var command = new java.util.ArrayList<String>();
    command.add("/usr/bin/openssl");
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(20, TimeUnit.SECONDS));
    assertEquals(0, process.exitValue(), out);
    return out;
  }
}
