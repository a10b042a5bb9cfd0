package dev.outpost.crypto.impl;

import dev.outpost.crypto.CryptoException;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;

/**
 * JDK EC keys on P-256 in the raw forms of RFC 9180 §7.1.1: the public key as the 65-byte
 * uncompressed point {@code 04 || x || y}, the private key as the 32-byte big-endian scalar. Only
 * JDK types and arithmetic here; whether a point is on the curve is checked by whoever decodes it.
 */
public final class P256Keys {
  public static final int COORDINATE_BYTES = 32;
  public static final int POINT_BYTES = 1 + 2 * COORDINATE_BYTES;

  private static final ECParameterSpec P256 = p256();

  private P256Keys() {}

  /** The uncompressed point of an EC P-256 public key. */
  public static byte[] uncompressedPoint(PublicKey key) {
    if (!(key instanceof ECPublicKey ec) || !isP256(ec.getParams())) {
      throw new CryptoException("expected an EC P-256 public key, got " + describe(key));
    }
    var point = new byte[POINT_BYTES];
    point[0] = 0x04;
    fixed(ec.getW().getAffineX(), point, 1);
    fixed(ec.getW().getAffineY(), point, 1 + COORDINATE_BYTES);
    return point;
  }

  /** The 32-byte scalar of an EC P-256 private key; the caller should zero it after use. */
  public static byte[] scalar(PrivateKey key) {
    if (!(key instanceof ECPrivateKey ec) || !isP256(ec.getParams())) {
      throw new CryptoException("expected an EC P-256 private key, got " + describe(key));
    }
    var s = ec.getS();
    if (s.signum() <= 0 || s.compareTo(P256.getOrder()) >= 0) {
      throw new CryptoException("the EC P-256 private key is out of range (corrupted key?)");
    }
    var out = new byte[COORDINATE_BYTES];
    fixed(s, out, 0);
    return out;
  }

  private static boolean isP256(ECParameterSpec params) {
    return params != null
        && P256.getCurve().equals(params.getCurve())
        && P256.getGenerator().equals(params.getGenerator())
        && P256.getOrder().equals(params.getOrder())
        && P256.getCofactor() == params.getCofactor();
  }

  private static void fixed(BigInteger value, byte[] out, int offset) {
    var bytes = value.toByteArray();
    int start = bytes.length > COORDINATE_BYTES ? bytes.length - COORDINATE_BYTES : 0;
    for (int i = 0; i < start; i++) {
      if (bytes[i] != 0) {
        throw new CryptoException("an EC P-256 value does not fit in 32 bytes");
      }
    }
    int length = bytes.length - start;
    System.arraycopy(bytes, start, out, offset + COORDINATE_BYTES - length, length);
  }

  private static String describe(Object key) {
    if (key == null) {
      return "null";
    }
    var algorithm = key instanceof java.security.Key k ? k.getAlgorithm() : key.getClass().getSimpleName();
    return "EC".equals(algorithm) ? "an EC key on another curve" : "a key of algorithm " + algorithm;
  }

  private static ECParameterSpec p256() {
    try {
      var parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM does not know the EC curve secp256r1", e);
    }
  }
}
