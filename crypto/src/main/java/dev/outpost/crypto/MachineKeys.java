package dev.outpost.crypto;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * A machine's own key pair, made on first start and never sent anywhere: EC on the NIST P-256
 * curve (see {@code crypto/README.md} for why).
 */
public final class MachineKeys {
  /** The curve of every key pair this module makes. */
  public static final String CURVE = "secp256r1";

  private MachineKeys() {}

  /** A fresh EC P-256 key pair from the platform's strong random source. */
  public static KeyPair generate() {
    try {
      var generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(CURVE), new SecureRandom());
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new CryptoException("this JVM cannot make EC " + CURVE + " keys", e);
    }
  }

  /**
   * A short, stable name for a public key, in OpenSSH's style: {@code "SHA256:"} followed by the
   * unpadded base64 of the SHA-256 of the key's X.509 SubjectPublicKeyInfo (DER), e.g.
   * {@code SHA256:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg}; different keys never share one.
   * The same value as {@code openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64}
   * without the trailing {@code =}.
   */
  public static String fingerprint(PublicKey key) {
    if (key == null || !"X.509".equals(key.getFormat()) || key.getEncoded() == null) {
      throw new CryptoException("cannot fingerprint " + (key == null ? "a null key"
          : "a " + key.getAlgorithm() + " key in format " + key.getFormat()) + "; expected an X.509 (SPKI) public key");
    }
    try {
      var digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("this JVM has no SHA-256", e);
    }
  }

  /**
   * The pin of a key as enrolment tokens carry it: the SHA-256 of its SubjectPublicKeyInfo,
   * unpadded base64url (the same digest as {@link #fingerprint}, in a form that fits a token).
   */
  public static String pin(PublicKey key) {
    String fingerprint = fingerprint(key);
    byte[] digest = Base64.getDecoder().decode(fingerprint.substring("SHA256:".length()));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }
}
