package dev.outpost.hub.doctor;

import dev.outpost.crypto.MachineCertificates;
import dev.outpost.transport.RouteProbe;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The TLS handshake with the cloud and its certificate, checked against this machine's
 * {@code ca.pem} (before enrolment: its token's CA pin) by the dialer (certificate checks are never off): any route whose handshake failed
 * is a FAIL that says why (another CA, expired, another host name); otherwise the version and the
 * certificate of the first route that answered.
 */
public final class TlsCheck {
  static final String NAME = "tls";
  /** A cloud certificate with fewer days left than this is a WARN. */
  public static final int WARN_DAYS = 30;

  private TlsCheck() {
  }

  public static Check run(List<RouteProbe> probes, Instant now) {
    for (var probe : probes) {
      if (probe.outcome() == RouteProbe.Outcome.TLS_FAILED) {
        return Check.fail(NAME, probe.route() + ": " + probe.detail(), hint(probe.detail()));
      }
    }
    for (var probe : probes) {
      if (probe.outcome() == RouteProbe.Outcome.ANSWERED && probe.serverCertificates().isEmpty()) {
        return Check.ok(NAME, probe.route() + ": " + probe.tlsVersion() + ", certificate trusted");
      }
      if (probe.outcome() == RouteProbe.Outcome.ANSWERED) {
        X509Certificate leaf = probe.serverCertificates().get(0);
        long days = MachineCertificates.daysUntilExpiry(leaf, now);
        String detail = probe.route() + ": " + probe.tlsVersion() + ", certificate " + leaf.getSubjectX500Principal().getName()
            + " trusted, valid " + days + " more days";
        return days < WARN_DAYS
            ? Check.warn(NAME, detail, "the cloud's certificate expires soon: tell the cloud's operator")
            : Check.ok(NAME, detail);
      }
    }
    return Check.warn(NAME, "not checked: no route got as far as a TLS handshake", "fix the endpoint checks first");
  }

  private static String hint(String why) {
    if (why.contains("not issued by a CA in ca.pem")) {
      return "this is not your Outpost cloud, or a TLS-inspecting firewall or proxy replaces its certificate:"
          + " exempt the cloud's names from TLS inspection";
    }
    if (why.contains("expired") || why.contains("not valid yet")) {
      return "check this machine's clock (see the clock check); otherwise the cloud's certificate must be renewed";
    }
    if (why.contains("host name")) {
      return "use a name from the cloud's certificate in cloud.endpoints (the cloud's tlsNames)";
    }
    return "the port answers but not with the cloud's TLS: check what listens there, or a firewall in between";
  }
}
