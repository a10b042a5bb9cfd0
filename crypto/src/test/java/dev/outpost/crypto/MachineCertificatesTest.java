package dev.outpost.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineCertificatesTest {
  @TempDir
  Path dir;

  private final CertificateAuthority ca = CertificateAuthority.create("Example Ltd");
  private final java.security.KeyPair connectorKeys = MachineKeys.generate();

  @Test
  void verifiedPeerCarriesUidOrganisationRoleSerialExpiryAndKeyFingerprint() {
    var certificate = issue(connectorKeys, "conn-1", "connector", Duration.ofDays(90));

    var identity = MachineCertificates.verify(List.of(certificate, ca.certificate()), ca.certificate(),
        "connector", Instant.now());

    assertEquals("conn-1", identity.uid());
    assertEquals("Example Ltd", identity.organisation());
    assertEquals("connector", identity.role());
    assertEquals(certificate.getSerialNumber(), identity.serial());
    assertEquals(certificate.getNotAfter().toInstant(), identity.notAfter());
    assertEquals(MachineKeys.fingerprint(connectorKeys.getPublic()), identity.fingerprint());
    assertTrue(identity.certifies(connectorKeys.getPublic()));
    assertEquals(identity, MachineCertificates.verify(List.of(certificate), ca.certificate(), "connector",
        Instant.now()), "the CA certificate at the end of the chain is optional");
  }

  @Test
  void anyRoleIsAcceptedWhenNoneIsExpected() {
    var certificate = issue(connectorKeys, "hub-7", "hub", Duration.ofDays(1));

    assertEquals("hub", MachineCertificates.verify(List.of(certificate), ca.certificate(), null, Instant.now()).role());
  }

  @Test
  void certificateFromAnotherCaIsRefusedEvenWhenThatCaHasTheSameName() {
    var theirs = CertificateAuthority.create("Example Ltd");
    var foreign = theirs.issue(connectorKeys.getPublic(), "conn-1", "connector", List.of(), List.of(),
        Duration.ofDays(1));

    for (var chain : List.of(List.of(foreign), List.of(foreign, theirs.certificate()),
        List.of(foreign, ca.certificate()))) {
      var e = assertThrows(CryptoException.class,
          () -> MachineCertificates.verify(chain, ca.certificate(), "connector", Instant.now()));
      assertTrue(e.getMessage().contains("signed by another CA"), e.getMessage());
    }
  }

  @Test
  void certificateFromACaWithAnotherNameIsRefusedNamingBoth() {
    var theirs = CertificateAuthority.create("Other Org");
    var foreign = theirs.issue(connectorKeys.getPublic(), "conn-1", "connector", List.of(), List.of(),
        Duration.ofDays(1));

    var e = assertThrows(CryptoException.class,
        () -> MachineCertificates.verify(List.of(foreign, theirs.certificate()), ca.certificate(), "connector",
            Instant.now()));
    assertEquals("peer certificate CN=conn-1,O=Other Org,OU=connector refused: signed by another CA"
        + " (issuer CN=Outpost CA,O=Other Org, trusted CA CN=Outpost CA,O=Example Ltd)", e.getMessage());
  }

  @Test
  void validCertificateForAnotherKeyIsCaughtByComparingFingerprints() {
    // the machine proves possession of its own key (signing request, TLS handshake) ...
    var proved = SigningRequest.parse(SigningRequest.create(connectorKeys, "conn-1"));
    // ... but presents a genuine certificate with the same uid that was issued for somebody else's key
    var otherKeys = MachineKeys.generate();
    var otherCertificate = issue(otherKeys, "conn-1", "connector", Duration.ofDays(1));

    var identity = MachineCertificates.verify(List.of(otherCertificate), ca.certificate(), "connector",
        Instant.now());

    assertEquals("conn-1", identity.uid(), "the chain itself is valid");
    assertNotEquals(proved.fingerprint(), identity.fingerprint());
    assertFalse(identity.certifies(proved.publicKey()));
    assertTrue(identity.certifies(otherKeys.getPublic()));
  }

  @Test
  void ownCertificateMustBeForThisKeyAndNameAndRole() {
    var certificate = issue(connectorKeys, "conn-1", "connector", Duration.ofDays(90));
    var chain = List.of(certificate, ca.certificate());
    var own = MachineCertificates.verifyOwn(chain, ca.certificate(), "connector", "conn-1", connectorKeys.getPublic(),
        "the renewed certificate", Instant.now());
    assertEquals("conn-1", own.uid());

    var otherKey = assertThrows(CryptoException.class, () -> MachineCertificates.verifyOwn(chain, ca.certificate(),
        "connector", "conn-1", MachineKeys.generate().getPublic(), "the renewed certificate", Instant.now()));
    assertEquals("the renewed certificate is for another key", otherKey.getMessage());
    var otherName = assertThrows(CryptoException.class, () -> MachineCertificates.verifyOwn(chain, ca.certificate(),
        "connector", "conn-2", connectorKeys.getPublic(), "the renewed certificate", Instant.now()));
    assertEquals("the renewed certificate is for conn-1, not conn-2", otherName.getMessage());
    var otherRole = assertThrows(CryptoException.class, () -> MachineCertificates.verifyOwn(chain, ca.certificate(),
        "relay", "conn-1", connectorKeys.getPublic(), "the renewed certificate", Instant.now()));
    assertTrue(otherRole.getMessage().contains("role connector, expected relay"), otherRole.getMessage());
  }

  @Test
  void expiredCertificateIsRefusedWithItsEndDate() {
    var certificate = issue(connectorKeys, "conn-1", "connector", Duration.ofSeconds(1));
    var tomorrow = Instant.now().plus(Duration.ofDays(1));

    var e = assertThrows(CryptoException.class,
        () -> MachineCertificates.verify(List.of(certificate), ca.certificate(), "connector", tomorrow));
    assertTrue(e.getMessage().contains("refused: expired on " + certificate.getNotAfter().toInstant()),
        e.getMessage());
  }

  @Test
  void certificateIsNotYetValidBeforeItsStart() {
    var certificate = issue(connectorKeys, "conn-1", "connector", Duration.ofDays(30));
    var yesterday = Instant.now().minus(Duration.ofDays(1));

    var e = assertThrows(CryptoException.class,
        () -> MachineCertificates.verify(List.of(certificate), ca.certificate(), "connector", yesterday));
    assertTrue(e.getMessage().contains("refused: not yet valid (valid from "
        + certificate.getNotBefore().toInstant()), e.getMessage());
  }

  @Test
  void wrongRoleIsRefusedNamingBothRoles() {
    var certificate = issue(connectorKeys, "hub-7", "hub", Duration.ofDays(1));

    var e = assertThrows(CryptoException.class,
        () -> MachineCertificates.verify(List.of(certificate), ca.certificate(), "connector", Instant.now()));
    assertEquals("peer certificate for hub-7 refused: role hub, expected connector", e.getMessage());
  }

  @Test
  void caCertificateIsNotAPeerIdentity() {
    var e = assertThrows(CryptoException.class,
        () -> MachineCertificates.verify(List.of(ca.certificate()), ca.certificate(), null, Instant.now()));
    assertTrue(e.getMessage().contains("holds only the CA certificate"), e.getMessage());
    e = assertThrows(CryptoException.class,
        () -> MachineCertificates.verify(List.of(), ca.certificate(), null, Instant.now()));
    assertTrue(e.getMessage().contains("presented no certificate"), e.getMessage());
  }

  @Test
  void leafWithoutTlsKeyUsageIsRefused() throws Exception {
    ca.save(dir.resolve("ca.pem"), dir.resolve("ca.key"));
    var caKey = Pem.readPrivateKey(dir.resolve("ca.key"));
    var now = Instant.now();
    var holder = new JcaX509v3CertificateBuilder(X500Name.getInstance(ca.certificate().getSubjectX500Principal()
        .getEncoded()), BigInteger.valueOf(42), Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)),
        new X500Name("CN=conn-1,O=Example Ltd,OU=connector"), connectorKeys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey));
    var noEku = new JcaX509CertificateConverter().getCertificate(holder);

    var e = assertThrows(CryptoException.class,
        () -> MachineCertificates.verify(List.of(noEku), ca.certificate(), "connector", now));
    assertTrue(e.getMessage().contains("no extended key usage clientAuth or serverAuth"), e.getMessage());
  }

  @Test
  void daysUntilExpiryCountsWholeDaysAndGoesNegativeOnceExpired() {
    var certificate = issue(connectorKeys, "conn-1", "connector", Duration.ofDays(30));
    var end = certificate.getNotAfter().toInstant();

    assertEquals(10, MachineCertificates.daysUntilExpiry(certificate, end.minus(Duration.ofDays(10)).minusSeconds(3600)));
    assertEquals(0, MachineCertificates.daysUntilExpiry(certificate, end.minusSeconds(3600)));
    assertEquals(-1, MachineCertificates.daysUntilExpiry(certificate, end.plusSeconds(3600)));
    assertEquals(-2, MachineCertificates.daysUntilExpiry(certificate, end.plus(Duration.ofDays(1)).plusSeconds(1)));
    assertEquals(29, MachineCertificates.daysUntilExpiry(certificate, Instant.now()));
  }

  @Test
  void opensslVerifiesTheCaAndAnIssuedCertificateAndRefusesAForeignOne() throws Exception {
    var openssl = OpensslCli.require();
    var certificate = issue(connectorKeys, "conn-1", "connector", Duration.ofDays(1));
    var foreign = CertificateAuthority.create("Example Ltd").issue(connectorKeys.getPublic(), "conn-1", "connector",
        List.of(), List.of(), Duration.ofDays(1));
    Pem.writeCertificates(dir.resolve("ca.pem"), ca.certificate());
    Pem.writeCertificates(dir.resolve("identity.pem"), certificate);
    Pem.writeCertificates(dir.resolve("foreign.pem"), foreign);

    var ours = OpensslCli.run(openssl, dir, "verify", "-CAfile", "ca.pem", "identity.pem");
    assertEquals(0, ours.exit(), ours.output());
    assertTrue(ours.output().contains("identity.pem: OK"), ours.output());
    var theirs = OpensslCli.run(openssl, dir, "verify", "-CAfile", "ca.pem", "foreign.pem");
    assertNotEquals(0, theirs.exit(), theirs.output());
  }

  @Test
  void fingerprintIsOpensslsSha256OfTheSubjectPublicKeyInfo() throws Exception {
    var openssl = OpensslCli.require();
    Pem.writeCertificates(dir.resolve("identity.pem"), issue(connectorKeys, "conn-1", "connector", Duration.ofDays(1)));

    var steps = List.of(
        OpensslCli.run(openssl, dir, "x509", "-in", "identity.pem", "-noout", "-pubkey", "-out", "public.pem"),
        OpensslCli.run(openssl, dir, "pkey", "-pubin", "-in", "public.pem", "-outform", "DER", "-out", "public.der"),
        OpensslCli.run(openssl, dir, "dgst", "-sha256", "-binary", "-out", "digest.bin", "public.der"));
    steps.forEach(step -> assertEquals(0, step.exit(), step.output()));

    var expected = "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(
        Files.readAllBytes(dir.resolve("digest.bin")));
    assertEquals(expected, MachineKeys.fingerprint(connectorKeys.getPublic()));
    assertTrue(expected.matches("SHA256:[A-Za-z0-9+/]{43}"), expected);
  }

  private X509Certificate issue(java.security.KeyPair keys, String uid, String role, Duration validity) {
    return ca.issue(keys.getPublic(), uid, role, List.of(), List.of(), validity);
  }
}
