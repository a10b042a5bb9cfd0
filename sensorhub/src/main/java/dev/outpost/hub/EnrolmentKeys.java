package dev.outpost.hub;

import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.MachineCertificates;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * A machine's key pair while it enrols: made once and kept ({@code identity.key}, 0600, and the
 * signing request {@code identity-request.pem}), so the fingerprint an admin approves stays the
 * same across restarts; and the check of what the cloud answers before it becomes the machine's
 * identity.
 */
public final class EnrolmentKeys {
  public static final String REQUEST_FILE = "identity-request.pem";

  private EnrolmentKeys() {
  }

  /** The key pair and its signing request (CN = uid). */
  public record Pending(KeyPair keys, String csr) {
    public String fingerprint() {
      return MachineKeys.fingerprint(keys.getPublic());
    }
  }

  /** Blocking. Reads the pending key pair of the machine, or makes and stores one. */
  public static Pending loadOrCreate(Path dataDir, String uid) {
    var tls = TlsFiles.inFolder(dataDir);
    Path request = dataDir.resolve(REQUEST_FILE);
    try {
      if (Files.exists(tls.key()) && Files.exists(request)) {
        String csr = Files.readString(request, StandardCharsets.US_ASCII);
        var parsed = SigningRequest.parse(csr);
        var keys = new KeyPair(parsed.publicKey(), Pem.readPrivateKey(tls.key()));
        if (parsed.commonName().equals(uid)) {
          return new Pending(keys, csr);
        }
      }
      Files.createDirectories(dataDir);
      var keys = MachineKeys.generate();
      Pem.writePrivateKey(tls.key(), keys.getPrivate());
      String csr = SigningRequest.create(keys, uid);
      AtomicWrite.write(request, csr.getBytes(StandardCharsets.US_ASCII));
      return new Pending(keys, csr);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the enrolment keys in " + dataDir, e);
    }
  }

  /**
   * Blocking. Checks an approved answer — the certificate is for this machine's uid and key, and
   * comes from the CA this machine already trusts — and stores it as the machine's identity.
   *
   * @param expectedCa the CA seen (and pinned) on the link the answer came over
   */
  public static void complete(Path dataDir, String uid, Role role, Pending pending, Enrolment.Answer answer,
                              X509Certificate expectedCa) {
    if (answer.state() != Enrolment.State.APPROVED) {
      throw new CryptoException("the enrolment is " + answer.state().wireName() + ", not approved");
    }
    var chain = Pem.decodeCertificates(answer.certificate(), "the enrolment answer's certificate");
    var ca = Pem.decodeCertificates(answer.ca(), "the enrolment answer's CA").get(0);
    if (expectedCa != null && !ca.equals(expectedCa)) {
      throw new CryptoException("the enrolment answer names another CA than the one this machine trusts");
    }
    MachineCertificates.verifyOwn(chain, ca, role.wireName(), uid, pending.keys().getPublic(),
        "the certificate in the enrolment answer", Instant.now());
    TlsFiles.write(dataDir, pending.keys(), chain, ca);
    try {
      Files.deleteIfExists(dataDir.resolve(REQUEST_FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Blocking. Installs a renewed certificate: it must be for the key this machine holds, from the CA
   * it trusts, for its uid and role; then it replaces {@code identity.pem} (the key stays).
   */
  public static void renew(Path dataDir, String uid, Role role, Enrolment.Answer answer) {
    var tls = TlsFiles.inFolder(dataDir);
    var privateKey = Pem.readPrivateKey(tls.key());
    var current = Pem.readCertificates(tls.certificate()).get(0);
    var ca = Pem.readCertificates(tls.ca()).get(0);
    var pending = new Pending(new KeyPair(current.getPublicKey(), privateKey), null);
    complete(dataDir, uid, role, pending, answer, ca);
  }
}
