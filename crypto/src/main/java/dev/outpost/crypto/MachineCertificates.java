package dev.outpost.crypto;

import dev.outpost.crypto.impl.PeerChainCheck;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Checks of machine certificates presented by peers (mutual TLS, enrolment, the command channel)
 * and of a machine's own certificate (when to renew it).
 */
public final class MachineCertificates {
  private MachineCertificates() {}

  /**
   * The peer's identity, once its chain checked out against exactly {@code trustedCa}:
   * <ul>
   *   <li>PKIX validation (signatures, basic constraints, key usage, name chaining) with
   *       {@code trustedCa} as the only trust anchor, never the system store, and no revocation
   *       checking (the caller keeps its own revocation list and checks {@link PeerIdentity#serial()});
   *   <li>every certificate of the chain valid at {@code now};
   *   <li>the leaf is not a CA and has EKU clientAuth or serverAuth;
   *   <li>its role (OU) is {@code expectedRole}, unless that is null.
   * </ul>
   * The chain is leaf first; the trusted CA's own certificate may end it or be left out.
   *
   * @throws CryptoException saying what failed: "signed by another CA", "expired on …",
   *     "not yet valid", "role hub, expected connector", …
   */
  public static PeerIdentity verify(List<X509Certificate> chain, X509Certificate trustedCa, String expectedRole,
      Instant now) {
    var leaf = PeerChainCheck.validate(chain, trustedCa, now);
    var subject = PeerChainCheck.subject(leaf);
    if (expectedRole != null && !expectedRole.equals(subject.role())) {
      throw new CryptoException("peer certificate for " + subject.commonName() + " refused: "
          + (subject.role() == null ? "no role (OU)" : "role " + subject.role()) + ", expected " + expectedRole);
    }
    return new PeerIdentity(subject.commonName(), subject.organisation(), subject.role(), leaf.getSerialNumber(),
        leaf.getNotAfter().toInstant(), MachineKeys.fingerprint(leaf.getPublicKey()));
  }

  /**
   * Checks a certificate the cloud issued to this machine (at enrolment, or renewed) before it
   * becomes the machine's identity: for exactly {@code ownKey}, from {@code trustedCa}, valid now,
   * with the machine's role and {@code uid} as its name.
   *
   * @param what how messages name the certificate ("the renewed certificate")
   * @throws CryptoException saying which check failed
   */
  public static PeerIdentity verifyOwn(List<X509Certificate> chain, X509Certificate trustedCa, String role, String uid,
      PublicKey ownKey, String what, Instant now) {
    if (chain.isEmpty() || !Arrays.equals(chain.get(0).getPublicKey().getEncoded(), ownKey.getEncoded())) {
      throw new CryptoException(what + " is for another key");
    }
    var peer = verify(chain, trustedCa, role, now);
    if (!peer.uid().equals(uid)) {
      throw new CryptoException(what + " is for " + peer.uid() + ", not " + uid);
    }
    return peer;
  }

  /**
   * Whole days from {@code now} until the certificate's end of validity, rounded down: 0 on its
   * last day, negative once it has expired (-1 during the first day after).
   */
  public static long daysUntilExpiry(X509Certificate certificate, Instant now) {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(now, "now");
    var left = Duration.between(now, certificate.getNotAfter().toInstant());
    return Math.floorDiv(left.getSeconds(), Duration.ofDays(1).getSeconds());
  }
}
