package dev.outpost.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningRequestTest {
  @TempDir
  Path dir;

  private final java.security.KeyPair machine = MachineKeys.generate();

  @Test
  void requestParsesBackToItsCommonNameAndKey() {
    var pem = SigningRequest.create(machine, "conn-1");

    assertTrue(pem.startsWith("-----BEGIN CERTIFICATE REQUEST-----\n"), pem);
    assertTrue(pem.endsWith("-----END CERTIFICATE REQUEST-----\n"), pem);
    var request = SigningRequest.parse(pem);
    assertEquals("conn-1", request.commonName());
    assertEquals(machine.getPublic(), request.publicKey());
    assertEquals(MachineKeys.fingerprint(machine.getPublic()), request.fingerprint());
  }

  @Test
  void caIssuesACertificateForTheRequestedNameAndKey() {
    var ca = CertificateAuthority.create("Example Ltd");
    var request = SigningRequest.parse(SigningRequest.create(machine, "hub-7"));

    var certificate = ca.issue(request, "hub", List.of(), List.of("10.0.0.7"), Duration.ofDays(30));

    assertEquals(machine.getPublic(), certificate.getPublicKey());
    var identity = MachineCertificates.verify(List.of(certificate), ca.certificate(), "hub", java.time.Instant.now());
    assertEquals("hub-7", identity.uid());
    assertTrue(identity.certifies(machine.getPublic()));
  }

  @Test
  void requestWithAnAlteredSignatureIsRefused() {
    var der = der(SigningRequest.create(machine, "conn-1"));
    der[der.length - 1] ^= 0x01; // the last byte of the ECDSA signature's s

    var e = assertThrows(CryptoException.class, () -> SigningRequest.parse(pem(der)));
    assertTrue(e.getMessage().contains("signature does not match its public key"), e.getMessage());
  }

  @Test
  void requestWhoseNameWasAlteredAfterSigningIsRefused() {
    var der = der(SigningRequest.create(machine, "conn-1"));
    var at = indexOf(der, "conn-1".getBytes(StandardCharsets.US_ASCII));
    der[at + 5] = '2';

    var e = assertThrows(CryptoException.class, () -> SigningRequest.parse(pem(der)));
    assertTrue(e.getMessage().contains("CN=conn-2 refused: its signature does not match"), e.getMessage());
  }

  @Test
  void requestCarryingAKeyItsSignerDoesNotHoldIsRefused() throws Exception {
    var victim = MachineKeys.generate();
    var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(machine.getPrivate());
    var forged = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=conn-1"), victim.getPublic())
        .build(signer).getEncoded();

    var e = assertThrows(CryptoException.class, () -> SigningRequest.parse(pem(forged)));
    assertTrue(e.getMessage().contains("signature does not match its public key"), e.getMessage());
    var mixed = new java.security.KeyPair(victim.getPublic(), machine.getPrivate());
    e = assertThrows(CryptoException.class, () -> SigningRequest.create(mixed, "conn-1"));
    assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
  }

  @Test
  void everyTruncationOfThePemIsRefused() {
    var pem = SigningRequest.create(machine, "conn-1");
    for (int length = 0; length < pem.length() - 1; length++) { // the final newline is optional
      var truncated = pem.substring(0, length);

      var e = assertThrows(CryptoException.class, () -> SigningRequest.parse(truncated), "cut at " + length);
      assertTrue(e.getMessage().startsWith("not a certificate signing request")
          || e.getMessage().startsWith("not a valid PEM certificate signing request"), e.getMessage());
    }
  }

  @Test
  void pemWithALineMissingIsRefused() {
    var lines = SigningRequest.create(machine, "conn-1").split("\n");
    var shortened = lines[0] + "\n" + lines[2] + "\n" + String.join("\n", List.of(lines).subList(3, lines.length)) + "\n";

    var e = assertThrows(CryptoException.class, () -> SigningRequest.parse(shortened));
    assertTrue(e.getMessage().contains("truncated or corrupted"), e.getMessage());
  }

  @Test
  void whatIsNotASigningRequestIsRefusedByWhatItIs() {
    var ca = CertificateAuthority.create("Example Ltd");

    var e = assertThrows(CryptoException.class, () -> SigningRequest.parse(Pem.encode(ca.certificate())));
    assertEquals("not a certificate signing request: the PEM block is a CERTIFICATE", e.getMessage());
    e = assertThrows(CryptoException.class, () -> SigningRequest.parse("hello"));
    assertTrue(e.getMessage().contains("no -----BEGIN CERTIFICATE REQUEST----- block"), e.getMessage());
    var twice = SigningRequest.create(machine, "a") + SigningRequest.create(machine, "b");
    e = assertThrows(CryptoException.class, () -> SigningRequest.parse(twice));
    assertTrue(e.getMessage().contains("more than one PEM block"), e.getMessage());
    e = assertThrows(CryptoException.class, () -> SigningRequest.parse("x".repeat(SigningRequest.MAX_PEM_CHARS + 1)));
    assertTrue(e.getMessage().contains("more than 16384"), e.getMessage());
  }

  @Test
  void commonNameMustBeGivenAndShort() {
    assertThrows(CryptoException.class, () -> SigningRequest.create(machine, " "));
    assertThrows(CryptoException.class, () -> SigningRequest.create(machine, "x".repeat(65)));
    assertEquals("x".repeat(64), SigningRequest.parse(SigningRequest.create(machine, "x".repeat(64))).commonName());
  }

  @Test
  void commonNameWithCommasAndNonAsciiComesBackUnescaped() {
    var request = SigningRequest.parse(SigningRequest.create(machine, "Halle 3, Kessel Ü"));
    assertEquals("Halle 3, Kessel Ü", request.commonName());
  }

  @Test
  void opensslVerifiesOurRequestAndRefusesAnAlteredOne() throws Exception {
    var openssl = OpensslCli.require();
    Files.writeString(dir.resolve("csr.pem"), SigningRequest.create(machine, "conn-1"));
    var der = der(SigningRequest.create(machine, "conn-1"));
    der[der.length - 1] ^= 0x01;
    Files.writeString(dir.resolve("altered.pem"), pem(der));

    var good = OpensslCli.run(openssl, dir, "req", "-verify", "-in", "csr.pem", "-noout", "-subject");
    assertEquals(0, good.exit(), good.output());
    assertTrue(good.output().contains("verify OK"), good.output());
    assertTrue(good.output().contains("CN = conn-1"), good.output());
    var altered = OpensslCli.run(openssl, dir, "req", "-verify", "-in", "altered.pem", "-noout");
    // OpenSSL 3.0 prints the failure but still exits 0, so read what it says
    assertTrue(altered.output().contains("verify failure") && !altered.output().contains("verify OK"),
        altered.output());
  }

  @Test
  void requestMadeByOpensslWithTheMachineKeyParses() throws Exception {
    var openssl = OpensslCli.require();
    Pem.writePrivateKey(dir.resolve("identity.key"), machine.getPrivate());

    var made = OpensslCli.run(openssl, dir, "req", "-new", "-key", "identity.key", "-subj", "/CN=hub-9", "-sha256",
        "-out", "csr.pem");
    assertEquals(0, made.exit(), made.output());

    var request = SigningRequest.parse(Files.readString(dir.resolve("csr.pem")));
    assertEquals("hub-9", request.commonName());
    assertEquals(machine.getPublic(), request.publicKey());
  }

  private static byte[] der(String pem) {
    var body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }

  private static String pem(byte[] der) {
    return "-----BEGIN CERTIFICATE REQUEST-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END CERTIFICATE REQUEST-----\n";
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
