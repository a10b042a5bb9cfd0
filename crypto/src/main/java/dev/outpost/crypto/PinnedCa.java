package dev.outpost.crypto;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.X509TrustManager;

/**
 * Trust for a machine's first contact, before it has a {@code ca.pem}: a server is trusted only if
 * its chain contains a CA certificate whose public key has the pin from the enrolment token, and the
 * server's certificate validates against that CA with the expected role ({@code cloud} for the
 * cloud, {@code connector} for a hub's connector). The CA seen is kept, so that enrolment can store
 * exactly it as {@code ca.pem}.
 *
 * <p>{@link #firstUse(String)} is the weaker form for a hub that enrols without a token and waits
 * for an admin: it accepts the CA the connector presents (trust on first use) and keeps it; the
 * admin who approves the hub checks its key fingerprint, and the hub keeps exactly that CA after.
 */
public final class PinnedCa implements X509TrustManager {
  /** The role in the cloud's own TLS certificate. */
  public static final String CLOUD_ROLE = "cloud";
  private final String pin;
  private final String role;
  private final AtomicReference<X509Certificate> seen = new AtomicReference<>();

  /** Trusts the CA with this pin for a server of the cloud role. */
  public PinnedCa(String pin) {
    this(pin, CLOUD_ROLE);
  }

  /** Trusts the CA with this pin for a server of this role. */
  public PinnedCa(String pin, String role) {
    if (pin == null || pin.isBlank()) {
      throw new CryptoException("no CA pin");
    }
    this.pin = pin;
    this.role = role;
  }

  private PinnedCa(String role, boolean firstUse) {
    this.pin = null;
    this.role = role;
  }

  /** Trusts the first CA a server of this role presents (see the class comment for when that is right). */
  public static PinnedCa firstUse(String role) {
    return new PinnedCa(role, true);
  }

  /** The CA certificate the server presented and that matched the pin, or null before a handshake. */
  public X509Certificate ca() {
    return seen.get();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the server sent no certificate");
    }
    for (X509Certificate candidate : chain) {
      var known = seen.get();
      boolean matches = known != null ? known.equals(candidate)
          : pin == null || pin.equals(MachineKeys.pin(candidate.getPublicKey()));
      if (candidate.getBasicConstraints() >= 0 && matches) {
        try {
          MachineCertificates.verify(List.of(chain[0]), candidate, role, Instant.now());
        } catch (CryptoException e) {
          throw new CertificateException("the server's certificate does not validate against the pinned CA: "
              + e.getMessage(), e);
        }
        seen.set(candidate);
        return;
      }
    }
    throw new CertificateException("the server's chain holds no CA with the pin of the enrolment token ("
        + (pin == null ? "the CA seen first" : pin) + "); this is not your organisation's " + role
        + ", or the token is wrong. Presented: "
        + Arrays.stream(chain).map(c -> c.getSubjectX500Principal().getName()).toList());
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("a pinned CA is for servers only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
