package dev.outpost.protocol;

/**
 * Enrolment of a machine: it makes its own key pair, sends only a certificate signing request
 * (PKCS#10, PEM: the public key, its UID as common name, signed with the private key) and gets back a
 * certificate from its organisation's CA. A connector enrols at the cloud
 * ({@code POST /device/v1/enrol}, JSON) with a one-time token; a hub enrols through its connector.
 */
public final class Enrolment {
  /** Largest signing request accepted, in characters of PEM. */
  public static final int MAX_CSR_CHARS = 16_384;

  private Enrolment() {
  }

  /**
   * What a machine sends.
   *
   * @param token the enrolment token (a connector's one-time token, or a site's token for hubs); may
   *              be null for a hub that waits for an admin's approval
   * @param csr   the signing request, PEM
   * @param name  a human name
   * @param role  what the machine is
   */
  public record Request(int v, String token, String csr, String name, Role role) {
    public Request {
      Wire.require(v == Wire.VERSION, "unsupported wire version " + v + ", this side speaks " + Wire.VERSION);
      Wire.require(csr != null && !csr.isBlank(), "csr is required");
      Wire.require(csr.length() <= MAX_CSR_CHARS, "csr is longer than " + MAX_CSR_CHARS + " characters");
      Wire.require(name != null && !name.isBlank() && name.length() <= 200, "name must be 1 to 200 characters");
      Wire.require(role != null, "role is required");
      Wire.require(token == null || token.length() <= 200, "token is longer than 200 characters");
    }

    @Override
    public String toString() {
      return "Request[name=" + name + ", role=" + role + ", token=" + (token == null ? "none" : "***") + "]";
    }
  }

  /** What the machine gets: its uid, and when approved its certificate chain and the CA (PEM). */
  public record Answer(String uid, State state, String certificate, String ca) {
    public Answer {
      Wire.requireUid(uid, "uid");
      Wire.require(state != null, "state is required");
      Wire.require(state != State.APPROVED || (certificate != null && ca != null),
          "an approved enrolment carries the certificate and the CA");
    }
  }

  /** Where an enrolment stands. */
  public enum State {
    APPROVED, PENDING, REJECTED, REVOKED;

    @com.fasterxml.jackson.annotation.JsonValue
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
