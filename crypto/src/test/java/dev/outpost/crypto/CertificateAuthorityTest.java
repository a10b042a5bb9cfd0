package dev.outpost.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
  private static final Path OPENSSL = Path.of("/usr/bin/openssl");

  @TempDir
  Path dir;

  @Test
  void issuedMachineCertificatePassesOpensslVerify() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(OPENSSL), "openssl is not installed at " + OPENSSL);
    var ca = CertificateAuthority.create("Example Ltd");
    var keys = MachineKeys.generate();
    var cert = ca.issue(keys.getPublic(), "conn-1", "connector", List.of("localhost"), List.of("127.0.0.1"),
        Duration.ofDays(365));
    var files = TlsFiles.write(dir, keys, List.of(cert, ca.certificate()), ca.certificate());

    var plain = openssl("verify", "-CAfile", files.ca().toString(), files.certificate().toString());
    assertEquals(0, plain.exit, plain.output);
    assertTrue(plain.output.contains(": OK"), plain.output);
    var asServer = openssl("verify", "-CAfile", files.ca().toString(), "-purpose", "sslserver",
        "-verify_hostname", "localhost", files.certificate().toString());
    assertEquals(0, asServer.exit, asServer.output);
    var asClient = openssl("verify", "-CAfile", files.ca().toString(), "-purpose", "sslclient",
        "-verify_ip", "127.0.0.1", files.certificate().toString());
    assertEquals(0, asClient.exit, asClient.output);
  }

  @Test
  void machineCertificateCarriesNameOrganisationRoleAndSans() throws Exception {
    var ca = CertificateAuthority.create("Example Ltd");
    var keys = MachineKeys.generate();
    var cert = ca.issue(keys.getPublic(), "hub-7", "hub", List.of("hub7.example.net"), List.of("10.0.0.7", "::1"),
        Duration.ofDays(30));

    var subject = cert.getSubjectX500Principal().getName();
    assertTrue(subject.contains("CN=hub-7") && subject.contains("O=Example Ltd") && subject.contains("OU=hub"), subject);
    assertEquals(-1, cert.getBasicConstraints());
    assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
    var sans = new ArrayList<String>();
    cert.getSubjectAlternativeNames().forEach(san -> sans.add(san.get(1).toString()));
    assertEquals(List.of("hub7.example.net", "10.0.0.7", "0:0:0:0:0:0:0:1"), sans);
    assertTrue(cert.getNotBefore().getTime() <= System.currentTimeMillis() - Duration.ofMinutes(4).toMillis());
    cert.verify(ca.certificate().getPublicKey());
  }

  @Test
  void caCertificateIsACaForTenYears() {
    var ca = CertificateAuthority.create("Example Ltd");
    var cert = ca.certificate();
    assertTrue(cert.getBasicConstraints() >= 0);
    var usage = cert.getKeyUsage();
    assertTrue(usage[5] && usage[6], "keyCertSign and cRLSign");
    var years = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()).toDays() / 365;
    assertEquals(10, years);
  }

  @Test
  void savedCaLoadsAndIssuesCertificatesTrustedByTheOldCertificate() throws Exception {
    var ca = CertificateAuthority.create("Example Ltd");
    ca.save(dir.resolve("ca.pem"), dir.resolve("ca.key"));
    var loaded = CertificateAuthority.load(dir.resolve("ca.pem"), dir.resolve("ca.key"));
    assertEquals(ca.certificate(), loaded.certificate());
    var keys = MachineKeys.generate();
    var cert = loaded.issue(keys.getPublic(), "cloud", "cloud", List.of(), List.of(), Duration.ofDays(1));
    cert.verify(ca.certificate().getPublicKey());
  }

  @Test
  void loadRefusesAKeyThatIsNotTheCasKey() {
    var ca = CertificateAuthority.create("Example Ltd");
    ca.save(dir.resolve("ca.pem"), dir.resolve("ca.key"));
    Pem.writePrivateKey(dir.resolve("other.key"), MachineKeys.generate().getPrivate());
    var e = assertThrows(CryptoException.class,
        () -> CertificateAuthority.load(dir.resolve("ca.pem"), dir.resolve("other.key")));
    assertTrue(e.getMessage().contains("other.key"), e.getMessage());
  }

  @Test
  void trustManagerRefusesACertificateFromAnotherCa() {
    var ours = CertificateAuthority.create("Example Ltd");
    var theirs = CertificateAuthority.create("Example Ltd");
    var keys = MachineKeys.generate();
    var good = ours.issue(keys.getPublic(), "cloud", "cloud", List.of("localhost"), List.of(), Duration.ofDays(1));
    var foreign = theirs.issue(keys.getPublic(), "cloud", "cloud", List.of("localhost"), List.of(), Duration.ofDays(1));
    var trust = TlsFiles.write(dir, keys, List.of(good, ours.certificate()), ours.certificate()).trustManager();

    assertDoesNotThrowCertificate(() -> trust.checkServerTrusted(
        new java.security.cert.X509Certificate[] {good, ours.certificate()}, "ECDHE_ECDSA"));
    assertThrows(CertificateException.class, () -> trust.checkServerTrusted(
        new java.security.cert.X509Certificate[] {foreign, theirs.certificate()}, "ECDHE_ECDSA"));
    assertThrows(CertificateException.class, () -> trust.checkClientTrusted(
        new java.security.cert.X509Certificate[] {foreign}, "ECDHE_ECDSA"));
    assertEquals(List.of(ours.certificate()), List.of(trust.getAcceptedIssuers()));
  }

  @Test
  void sslContextSpeaksOnlyTls13And12() throws Exception {
    var ca = CertificateAuthority.create("Example Ltd");
    var keys = MachineKeys.generate();
    var cert = ca.issue(keys.getPublic(), "cloud", "cloud", List.of("localhost"), List.of(), Duration.ofDays(1));
    var files = TlsFiles.write(dir, keys, List.of(cert, ca.certificate()), ca.certificate());
    assertTrue(files.hasIdentity());

    var context = files.sslContext();
    assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(context.createSSLEngine().getEnabledProtocols()));
    try (var socket = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket()) {
      assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(socket.getEnabledProtocols()));
    }
  }

  @Test
  void issueRejectsWhatIsNotAnIpLiteral() {
    var ca = CertificateAuthority.create("Example Ltd");
    var key = MachineKeys.generate().getPublic();
    var e = assertThrows(CryptoException.class,
        () -> ca.issue(key, "x", "hub", List.of(), List.of("example.net"), Duration.ofDays(1)));
    assertTrue(e.getMessage().contains("example.net"), e.getMessage());
  }

  private interface CertificateCheck {
    void run() throws CertificateException;
  }

  private static void assertDoesNotThrowCertificate(CertificateCheck check) {
    try {
      check.run();
    } catch (CertificateException e) {
      throw new AssertionError("expected the chain to be trusted", e);
    }
  }

  private record Result(int exit, String output) {}

  private static Result openssl(String... args) throws Exception {
    var command = new ArrayList<String>();
    command.add(OPENSSL.toString());
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command).redirectErrorStream(true).start();
    var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(20, TimeUnit.SECONDS), "openssl did not finish");
    return new Result(process.exitValue(), String.join(" ", command) + "\n" + output);
  }
}
