package dev.outpost.transport.session;

import dev.outpost.crypto.Pem;
import dev.outpost.crypto.TlsFiles;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * What one end presents and trusts: its private key, its certificate chain (leaf first) and the
 * organisation's CA, the only anchor the other end's certificate may chain to.
 */
public record SessionCredentials(PrivateKey key, List<X509Certificate> chain, X509Certificate ca) {
  public SessionCredentials {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(ca, "ca");
    if (chain == null || chain.isEmpty()) {
      throw new IllegalArgumentException("no certificate chain");
    }
    chain = List.copyOf(chain);
    if (!keyMatches(chain.get(0), key)) {
      throw new IllegalArgumentException("the private key does not belong to the certificate "
          + chain.get(0).getSubjectX500Principal().getName());
    }
  }

  /**
   * A machine's own: {@code identity.key}, {@code identity.pem} and the first certificate of
   * {@code ca.pem} (how the connector's device end is set up).
   */
  public static SessionCredentials load(TlsFiles files) {
    return new SessionCredentials(Pem.readPrivateKey(files.key()), Pem.readCertificates(files.certificate()),
        Pem.readCertificates(files.ca()).get(0));
  }

  private static boolean keyMatches(X509Certificate certificate, PrivateKey key) {
    var algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (algorithm == null) {
      return false;
    }
    try {
      var probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      var signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      var verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signer.sign());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
