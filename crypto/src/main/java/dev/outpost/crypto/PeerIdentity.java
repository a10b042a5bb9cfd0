package dev.outpost.crypto;

import java.math.BigInteger;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Objects;

/**
 * Who a peer is, read from its certificate after {@link MachineCertificates#verify} checked it:
 * its uid (CN), organisation (O), role (OU), the certificate's serial number and end of validity,
 * and the {@link MachineKeys#fingerprint} of the certified public key.
 *
 * @param organisation null if the certificate names none
 * @param role null if the certificate names none (only when no role was expected)
 */
public record PeerIdentity(String uid, String organisation, String role, BigInteger serial, Instant notAfter,
    String fingerprint) {
  public PeerIdentity {
    Objects.requireNonNull(uid, "uid");
    Objects.requireNonNull(serial, "serial");
    Objects.requireNonNull(notAfter, "notAfter");
    Objects.requireNonNull(fingerprint, "fingerprint");
  }

  /**
   * Whether the certificate is for this key: compare with the key the peer proved it holds (the
   * TLS handshake's, a signing request's), so a valid certificate for someone else's key is caught.
   */
  public boolean certifies(PublicKey key) {
    return key != null && fingerprint.equals(MachineKeys.fingerprint(key));
  }
}
