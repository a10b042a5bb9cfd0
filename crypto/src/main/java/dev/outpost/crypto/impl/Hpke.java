package dev.outpost.crypto.impl;

import dev.outpost.crypto.CryptoException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;

/**
 * Single-shot HPKE (RFC 9180) in Base mode with DHKEM(P-256, HKDF-SHA256), HKDF-SHA256 and
 * AES-128-GCM, on Bouncy Castle's {@link HPKE}, for JDK P-256 keys. A new {@code HPKE} object is
 * made per call: Bouncy Castle's keeps mutable key-generation and agreement state inside and is not
 * safe to share between threads.
 */
public final class Hpke {
  /** Size of the encapsulated key {@code enc}: one uncompressed P-256 point. */
  public static final int ENC_BYTES = P256Keys.POINT_BYTES;
  /** Size of the AES-GCM tag at the end of every ciphertext. */
  public static final int TAG_BYTES = 16;

  private Hpke() {}

  /** The encapsulated key and the ciphertext (plaintext plus tag) of one sealed message. */
  public record Sealed(byte[] enc, byte[] ciphertext) {}

  /** Seals to the recipient's P-256 public key; {@code info} and {@code aad} must be given again to open. */
  public static Sealed seal(PublicKey recipient, byte[] plaintext, byte[] info, byte[] aad) {
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(aad, "aad");
    var hpke = suite();
    var point = P256Keys.uncompressedPoint(Objects.requireNonNull(recipient, "recipient"));
    try {
      var recipientKey = hpke.deserializePublicKey(point);
      // Bouncy Castle answers {ciphertext, enc}: the reverse of RFC 9180's SealBase (enc, ct)
      var out = hpke.seal(recipientKey, info, aad, plaintext, null, null, null);
      return new Sealed(out[1], out[0]);
    } catch (InvalidCipherTextException | RuntimeException e) {
      throw new CryptoException("cannot seal to the recipient's key: " + reason(e), e);
    }
  }

  /**
   * Opens what {@link #seal} made, with the recipient's P-256 private key and the same
   * {@code info} and {@code aad}. Never returns a plaintext that did not authenticate.
   */
  public static byte[] open(PrivateKey recipient, byte[] enc, byte[] ciphertext, byte[] info, byte[] aad) {
    Objects.requireNonNull(enc, "enc");
    Objects.requireNonNull(ciphertext, "ciphertext");
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(aad, "aad");
    if (enc.length != ENC_BYTES) {
      throw new CryptoException("cannot open sealed secret: the encapsulated key is " + enc.length
          + " bytes, expected " + ENC_BYTES + " (truncated?)");
    }
    if (enc[0] != 0x04) {
      throw new CryptoException("cannot open sealed secret: the encapsulated key is not an uncompressed"
          + " P-256 point (altered or corrupted)");
    }
    if (ciphertext.length < TAG_BYTES) {
      throw new CryptoException("cannot open sealed secret: the ciphertext is " + ciphertext.length
          + " bytes, shorter than its " + TAG_BYTES + "-byte tag (truncated?)");
    }
    var hpke = suite();
    var scalar = P256Keys.scalar(Objects.requireNonNull(recipient, "recipient"));
    try {
      // no public key given: Bouncy Castle derives it from the scalar (a given one would be trusted unchecked)
      var recipientKeys = hpke.deserializePrivateKey(scalar, null);
      try {
        hpke.deserializePublicKey(enc);
      } catch (RuntimeException e) {
        throw new CryptoException("cannot open sealed secret: the encapsulated key is not a point on P-256"
            + " (altered or corrupted)", e);
      }
      return hpke.open(enc, recipientKeys, info, aad, ciphertext, null, null, null);
    } catch (InvalidCipherTextException e) {
      throw new CryptoException("cannot open sealed secret: authentication failed (wrong key, wrong"
          + " context info, or altered ciphertext)", e);
    } catch (CryptoException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CryptoException("cannot open sealed secret: " + reason(e), e);
    } finally {
      Arrays.fill(scalar, (byte) 0);
    }
  }

  private static HPKE suite() {
    return new HPKE(HPKE.mode_base, HPKE.kem_P256_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128);
  }

  private static String reason(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
