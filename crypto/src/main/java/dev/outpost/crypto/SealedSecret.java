package dev.outpost.crypto;

import dev.outpost.crypto.impl.Hpke;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A secret (a sensor's password, an API token) encrypted to one machine's P-256 key, so it can
 * be stored and sent by anyone but read only by that machine: HPKE (RFC 9180), Base mode,
 * DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM. The text form is
 * {@code hpke1.ENC.CIPHERTEXT}, both parts unpadded base64url; the version prefix is also the
 * AEAD's associated data.
 *
 * <p>{@code info} names what the secret is for, for example
 * {@code "outpost sensor credential|" + machineUid + "|" + sensorId + "|" + settingName} in UTF-8;
 * opening needs exactly the same bytes, so a sealed secret copied to another machine, sensor or
 * setting does not open.
 */
public final class SealedSecret {
  /** The prefix of every sealed text this version writes and reads. */
  public static final String VERSION = "hpke1";
  /** Largest secret {@link #seal} accepts: credentials, not files. */
  public static final int MAX_PLAINTEXT_BYTES = 64 * 1024;

  private static final int MAX_TEXT_CHARS =
      VERSION.length() + 2 + base64Length(Hpke.ENC_BYTES) + base64Length(MAX_PLAINTEXT_BYTES + Hpke.TAG_BYTES);
  private static final Pattern FORM = Pattern.compile("([A-Za-z0-9]+)\\.([A-Za-z0-9_-]*)\\.([A-Za-z0-9_-]*)");
  private static final byte[] AAD = VERSION.getBytes(StandardCharsets.US_ASCII);
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private SealedSecret() {}

  /**
   * Encrypts the plaintext to the recipient's EC P-256 public key, bound to {@code info}.
   * Each call gives a different text (a fresh ephemeral key).
   *
   * @throws CryptoException if the key is not EC P-256 or the plaintext is larger than {@link #MAX_PLAINTEXT_BYTES}
   */
  public static String seal(PublicKey recipient, byte[] plaintext, byte[] info) {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(info, "info");
    if (plaintext.length > MAX_PLAINTEXT_BYTES) {
      throw new CryptoException("cannot seal a secret of " + plaintext.length + " bytes; at most "
          + MAX_PLAINTEXT_BYTES + " are allowed");
    }
    var sealed = Hpke.seal(recipient, plaintext, info, AAD);
    return VERSION + "." + ENCODER.encodeToString(sealed.enc()) + "." + ENCODER.encodeToString(sealed.ciphertext());
  }

  /**
   * Decrypts a text made by {@link #seal} with the recipient's private key and the same
   * {@code info}.
   *
   * @throws CryptoException if the text is malformed, truncated or of another version, or if it
   *     does not authenticate: wrong key, other {@code info}, or any byte altered. No plaintext is
   *     ever returned in those cases.
   */
  public static byte[] open(PrivateKey recipientKey, String sealed, byte[] info) {
    Objects.requireNonNull(recipientKey, "recipientKey");
    Objects.requireNonNull(info, "info");
    if (sealed == null || sealed.isEmpty()) {
      throw new CryptoException("cannot open sealed secret: the text is empty");
    }
    if (sealed.length() > MAX_TEXT_CHARS) {
      throw new CryptoException("cannot open sealed secret: the text is " + sealed.length()
          + " characters, longer than any sealed secret (" + MAX_TEXT_CHARS + ")");
    }
    var m = FORM.matcher(sealed);
    if (!m.matches()) {
      throw new CryptoException("cannot open sealed secret: not of the form " + VERSION
          + ".<base64url enc>.<base64url ciphertext>: " + abbreviate(sealed));
    }
    if (!VERSION.equals(m.group(1))) {
      throw new CryptoException("cannot open sealed secret: version '" + abbreviate(m.group(1))
          + "' is not supported (this build reads " + VERSION + ")");
    }
    var enc = decode(m.group(2), "encapsulated key");
    var ciphertext = decode(m.group(3), "ciphertext");
    return Hpke.open(recipientKey, enc, ciphertext, info, AAD);
  }

  private static byte[] decode(String text, String what) {
    byte[] bytes;
    try {
      bytes = DECODER.decode(text);
    } catch (IllegalArgumentException e) {
      throw new CryptoException("cannot open sealed secret: the " + what + " is not valid base64url"
          + " (truncated?): " + e.getMessage(), e);
    }
    // one text per ciphertext: refuse unused low bits set in the last character
    if (!ENCODER.encodeToString(bytes).equals(text)) {
      throw new CryptoException("cannot open sealed secret: the " + what + " is not canonical base64url"
          + " (truncated or altered?)");
    }
    return bytes;
  }

  private static int base64Length(int bytes) {
    return (bytes * 4 + 2) / 3;
  }

  private static String abbreviate(String s) {
    return s.length() <= 24 ? s : s.substring(0, 24) + "…";
  }
}
