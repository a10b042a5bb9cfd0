package dev.outpost.relay;

import dev.outpost.protocol.RelayWire;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the access server tells a relay about a session it is to pair: the session's id, the
 * SHA-256 of its one-time token (the relay never learns the token before an end presents it), the
 * key pins of the two ends allowed to join ({@link dev.outpost.crypto.MachineKeys#pin}), until when
 * the first end may join, and the session's bandwidth.
 *
 * @param sessionId the access server's id of the session ({@code [A-Za-z0-9._:-]}, 1–128)
 * @param tokenSha256 SHA-256 of the token's ASCII bytes, 32 bytes (see {@link #tokenHash})
 * @param operatorPin key pin of the operator's certificate
 * @param devicePin key pin of the device's (connector's) certificate; different from the operator's
 * @param expiresAt the first end must join before this; the second then has the relay's pair timeout
 * @param bytesPerSecond the session's bandwidth, both directions together; 0 takes the relay's
 *     {@link RelayConfig#bytesPerSecondPerSession()}, which is also the most a ticket gets
 */
public record Ticket(String sessionId, byte[] tokenSha256, String operatorPin, String devicePin, Instant expiresAt,
    long bytesPerSecond) {
  private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  /** A key pin: the SHA-256 of a SubjectPublicKeyInfo, unpadded base64url. */
  private static final Pattern PIN = Pattern.compile("[A-Za-z0-9_-]{43}");

  public Ticket {
    if (sessionId == null || !SESSION_ID.matcher(sessionId).matches()) {
      throw new IllegalArgumentException("sessionId must be 1 to 128 of A-Z a-z 0-9 . _ : -, was "
          + (sessionId == null ? "missing" : "'" + sessionId + "'"));
    }
    if (tokenSha256 == null || tokenSha256.length != 32) {
      throw new IllegalArgumentException("tokenSha256 must be the 32-byte SHA-256 of the token, was "
          + (tokenSha256 == null ? "missing" : tokenSha256.length + " bytes"));
    }
    tokenSha256 = tokenSha256.clone();
    requirePin(operatorPin, "operatorPin");
    requirePin(devicePin, "devicePin");
    if (operatorPin.equals(devicePin)) {
      throw new IllegalArgumentException("operatorPin and devicePin are the same key; the two ends must differ");
    }
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bytesPerSecond must be 0 (the relay's default) or positive, was "
          + bytesPerSecond);
    }
  }

  /** The hash of a token as tickets carry it: SHA-256 of the token's ASCII bytes. */
  public static byte[] tokenHash(String token) {
    if (!RelayWire.isToken(token)) {
      throw new IllegalArgumentException("a token is 1 to " + RelayWire.MAX_TOKEN_LENGTH
          + " visible ASCII characters without spaces");
    }
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** A copy of the token hash (the record keeps its own). */
  @Override
  public byte[] tokenSha256() {
    return tokenSha256.clone();
  }

  /** Whether this ticket says the same as another (same id, token, pins, expiry, bandwidth). */
  public boolean sameAs(Ticket other) {
    return other != null && sessionId.equals(other.sessionId) && Arrays.equals(tokenSha256, other.tokenSha256)
        && operatorPin.equals(other.operatorPin) && devicePin.equals(other.devicePin)
        && expiresAt.equals(other.expiresAt) && bytesPerSecond == other.bytesPerSecond;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Ticket ticket && sameAs(ticket);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sessionId, Arrays.hashCode(tokenSha256), operatorPin, devicePin, expiresAt, bytesPerSecond);
  }

  @Override
  public String toString() {
    return "Ticket[sessionId=" + sessionId + ", tokenSha256=" + HexFormat.of().formatHex(tokenSha256, 0, 4)
        + "…, operatorPin=" + operatorPin + ", devicePin=" + devicePin + ", expiresAt=" + expiresAt
        + ", bytesPerSecond=" + bytesPerSecond + "]";
  }

  private static void requirePin(String pin, String name) {
    if (pin == null || !PIN.matcher(pin).matches()) {
      throw new IllegalArgumentException(name + " must be a key pin (MachineKeys.pin: 43 base64url characters), was "
          + (pin == null ? "missing" : "'" + pin + "'"));
    }
  }
}
