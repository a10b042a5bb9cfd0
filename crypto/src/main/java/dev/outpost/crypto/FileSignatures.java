package dev.outpost.crypto;

import dev.outpost.crypto.impl.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signatures of file URLs: HMAC-SHA256 under one secret of the cloud over the file's id, the right
 * (read or write) and the expiry, so that a URL grants exactly one right on exactly one file until
 * its expiry, and any change to one of them (or a made-up signature) fails {@link #verify}. The
 * secret is 32 random bytes in a file of its own (mode 0600), created at the first start.
 */
public final class FileSignatures {
  /** What a URL allows. */
  public enum Right {
    READ, WRITE;

    /** The right as it appears in URLs: {@code read} or {@code write}. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The right with this wire name, or null. */
    public static Right of(String wireName) {
      return "read".equals(wireName) ? READ : "write".equals(wireName) ? WRITE : null;
    }
  }

  private static final String ALGORITHM = "HmacSHA256";
  private static final int KEY_BYTES = 32;
  /** Binds signatures to this use and version, so the secret signs nothing else that could be replayed here. */
  private static final String CONTEXT = "outpost-file-url-v1";

  private final SecretKeySpec key;

  private FileSignatures(byte[] secret) {
    this.key = new SecretKeySpec(secret, ALGORITHM);
  }

  /**
   * Blocking. The signer with the secret in the file, which is created (32 random bytes, base64,
   * mode 0600) if it does not exist.
   *
   * @throws CryptoException if the file cannot be read or written, or holds no valid secret
   */
  public static FileSignatures loadOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        var secret = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(secret);
        AtomicFiles.write(file, Base64.getEncoder().encode(secret), AtomicFiles.OWNER_ONLY);
      }
      byte[] secret = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
      if (secret.length != KEY_BYTES) {
        throw new CryptoException(file + " does not hold a " + KEY_BYTES + "-byte secret", null);
      }
      return new FileSignatures(secret);
    } catch (IOException | IllegalArgumentException e) {
      throw new CryptoException("cannot read the file URL secret " + file + ": " + e.getMessage(), e);
    }
  }

  /** The signature (base64url, no padding) of the right on the file until the expiry (epoch seconds). */
  public String sign(String fileId, Right right, long expiresEpochSeconds) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(fileId, right, expiresEpochSeconds));
  }

  /**
   * Whether the signature is the one of exactly this file, right and expiry (compared in constant
   * time). The caller checks the expiry against its clock.
   */
  public boolean verify(String fileId, Right right, long expiresEpochSeconds, String signature) {
    if (fileId == null || right == null || signature == null) {
      return false;
    }
    byte[] given;
    try {
      given = Base64.getUrlDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(mac(fileId, right, expiresEpochSeconds), given);
  }

  private byte[] mac(String fileId, Right right, long expiresEpochSeconds) {
    try {
      var mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      String message = CONTEXT + "\n" + fileId + "\n" + right.wireName() + "\n" + expiresEpochSeconds;
      return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new CryptoException("HMAC-SHA256 is not available: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "FileSignatures[HMAC-SHA256, secret not shown]";
  }
}
