package dev.outpost.crypto;

import dev.outpost.crypto.impl.CertificationRequests;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Objects;

/**
 * A certificate signing request (PKCS#10, RFC 2986): how a machine asks the CA for a certificate
 * without its private key ever leaving it. {@link #create} makes the PEM text on the machine,
 * signed with its key (proof that it holds the key); {@link #parse} reads it on the cloud and
 * checks that signature, so a {@code SigningRequest} object always has a verified signature.
 * Only the subject's CN is used; the CA sets organisation and role itself
 * ({@link CertificateAuthority#issue(SigningRequest, String, java.util.List, java.util.List, java.time.Duration)}).
 */
public final class SigningRequest {
  /** Longest PEM text {@link #parse} reads (a P-256 request is about 450 characters). */
  public static final int MAX_PEM_CHARS = 16 * 1024;
  /** Longest common name a request may carry (X.520's upper bound). */
  public static final int MAX_COMMON_NAME = CertificationRequests.MAX_COMMON_NAME;

  private final String commonName;
  private final PublicKey publicKey;

  private SigningRequest(String commonName, PublicKey publicKey) {
    this.commonName = commonName;
    this.publicKey = publicKey;
  }

  /**
   * PEM text ({@code -----BEGIN CERTIFICATE REQUEST-----}) asking for a certificate for
   * {@code CN=commonName} and the key pair's public key, signed with its private key
   * (SHA256withECDSA for the machine's P-256 key).
   */
  public static String create(KeyPair keys, String commonName) {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(keys.getPrivate(), "keys.private");
    Objects.requireNonNull(keys.getPublic(), "keys.public");
    if (commonName == null || commonName.isBlank() || commonName.length() > MAX_COMMON_NAME) {
      throw new CryptoException("a signing request's common name must be 1 to " + MAX_COMMON_NAME
          + " characters, was " + (commonName == null ? "null" : "'" + commonName + "'"));
    }
    return Pem.encodeBlock("CERTIFICATE REQUEST", CertificationRequests.create(keys, commonName));
  }

  /**
   * The request in the PEM text, once its signature verified against the public key it carries.
   *
   * @throws CryptoException if the text is not exactly one PEM certificate signing request, is
   *     truncated or corrupted, or its signature does not match (altered, or signed with another key)
   */
  public static SigningRequest parse(String pem) {
    if (pem == null || pem.isBlank()) {
      throw new CryptoException("not a certificate signing request: the text is empty");
    }
    if (pem.length() > MAX_PEM_CHARS) {
      throw new CryptoException("not a certificate signing request: " + pem.length()
          + " characters, more than " + MAX_PEM_CHARS);
    }
    var verified = CertificationRequests.parse(pem);
    return new SigningRequest(verified.commonName(), verified.publicKey());
  }

  /** The CN the requester asked for (for a machine: its uid). */
  public String commonName() {
    return commonName;
  }

  /** The requester's public key, which signed the request. */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** {@link MachineKeys#fingerprint} of the requester's public key. */
  public String fingerprint() {
    return MachineKeys.fingerprint(publicKey);
  }

  @Override
  public String toString() {
    return "SigningRequest[CN=" + commonName + ", key " + fingerprint() + "]";
  }
}
