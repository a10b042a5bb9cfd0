package dev.outpost.crypto;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;

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
}
