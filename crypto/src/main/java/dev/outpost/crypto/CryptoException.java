package dev.outpost.crypto;

/**
 * Key material, a certificate or a password hash that cannot be used: a missing or malformed file,
 * a key that does not match its certificate, an encoded hash that does not parse. The message says
 * which file or value and what is wrong with it.
 */
public final class CryptoException extends RuntimeException {
  public CryptoException(String message) {
    super(message);
  }

  public CryptoException(String message, Throwable cause) {
    super(message, cause);
  }
}
