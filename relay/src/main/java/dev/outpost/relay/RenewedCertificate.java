package dev.outpost.relay;

import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.MachineCertificates;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.Role;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;

/** Installs the certificate the access server sends a relay, when it is a renewal of the relay's own. */
final class RenewedCertificate {
  private RenewedCertificate() {
  }

  /**
   * Blocking. Replaces {@code identity.pem} when the answer's certificate is for this relay's key
   * and name, from the CA it trusts, valid now, and valid longer than the current one.
   *
   * @return true if it was installed, false if it is not newer than the current one (nothing changed)
   * @throws CryptoException if it is newer but not a valid renewal (nothing changed)
   */
  static boolean install(Path dataDir, String name, Enrolment.Answer answer) {
    if (answer.state() != Enrolment.State.APPROVED) {
      throw new CryptoException("the certificate answer is " + answer.state().wireName() + ", not approved");
    }
    var tls = TlsFiles.inFolder(dataDir);
    var current = Pem.readCertificates(tls.certificate()).get(0);
    var chain = Pem.decodeCertificates(answer.certificate(), "the renewed certificate");
    var leaf = chain.get(0);
    if (!leaf.getNotAfter().after(current.getNotAfter())) {
      return false;
    }
    var ca = Pem.readCertificates(tls.ca()).get(0);
    MachineCertificates.verifyOwn(chain, ca, Role.RELAY.wireName(), name, current.getPublicKey(),
        "the renewed certificate", Instant.now());
    TlsFiles.write(dataDir, new KeyPair(current.getPublicKey(), Pem.readPrivateKey(tls.key())), chain, ca);
    return true;
  }
}
