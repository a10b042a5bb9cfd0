package dev.outpost.protocol;

import java.util.regex.Pattern;

/**
 * An enrolment token as an admin copies it: {@code SECRET.CAPIN}. The secret (32 random bytes,
 * base64url) proves the right to enrol; the cloud keeps only its SHA-256. The CA pin is the SHA-256
 * of the organisation CA's public key (base64url), so a machine that has no {@code ca.pem} yet can
 * check on its first contact that it talks to its own organisation's cloud (as {@code kubeadm join}
 * does with its CA hash).
 */
public record EnrolmentToken(String secret, String caPin) {
  private static final Pattern PART = Pattern.compile("[A-Za-z0-9_-]{32,64}");

  public EnrolmentToken {
    Wire.require(secret != null && PART.matcher(secret).matches(), "the token's secret is malformed");
    Wire.require(caPin != null && PART.matcher(caPin).matches(), "the token's CA pin is malformed");
  }

  /** Reads a token as printed by the cloud; a malformed one is a {@link WireFormatException}. */
  public static EnrolmentToken parse(String text) {
    Wire.require(text != null, "no enrolment token");
    String trimmed = text.strip();
    int dot = trimmed.indexOf('.');
    Wire.require(dot > 0 && dot == trimmed.lastIndexOf('.'), "an enrolment token has the form SECRET.CAPIN");
    return new EnrolmentToken(trimmed.substring(0, dot), trimmed.substring(dot + 1));
  }

  /** The text form. */
  public String text() {
    return secret + "." + caPin;
  }

  @Override
  public String toString() {
    return "EnrolmentToken[***." + caPin + "]";
  }
}
