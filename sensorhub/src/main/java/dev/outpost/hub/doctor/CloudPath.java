package dev.outpost.hub.doctor;

import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.PinnedCa;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.EnrolmentToken;
import dev.outpost.protocol.WireFormatException;
import dev.outpost.transport.Dialer;
import dev.outpost.transport.DialerConfig;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Every check of one way to the cloud, in the order a connection goes: DNS, the proxy, each endpoint
 * and port, TLS, the clock and whether the cloud still accepts the machine. The connector's uplink
 * and a hub's fallback both go this way.
 */
public final class CloudPath {
  /** The cloud's liveness path, which every route is probed with. */
  public static final String PROBE_PATH = "/health/live";

  private CloudPath() {
  }

  /** Blocking. The dialer uses the machine's identity when it has one; certificate checks are always on. */
  public static List<Check> run(DialerConfig link, TlsFiles tls, DoctorSettings settings) {
    return run(link, tls, settings, null);
  }

  /**
   * As above; a machine without {@code ca.pem} yet (not enrolled) checks the cloud with the CA pin of
   * its enrolment {@code token}, as its enrolment will. Without either, only DNS is checked.
   */
  public static List<Check> run(DialerConfig link, TlsFiles tls, DoctorSettings settings, String token) {
    var checks = new ArrayList<Check>(DnsCheck.run(link));
    boolean enrolled = Files.exists(tls.ca());
    EnrolmentToken pinned = null;
    if (!enrolled && token != null) {
      try {
        pinned = EnrolmentToken.parse(token);
      } catch (WireFormatException e) {
        checks.add(Check.fail(EndpointChecks.ENDPOINT, "not checked: the enrolment token is malformed: " + e.getMessage(),
            "copy the whole token (SECRET.CAPIN) from the dashboard"));
        return checks;
      }
    }
    if (!enrolled && pinned == null) {
      checks.add(Check.warn(EndpointChecks.ENDPOINT, "not checked: no " + TlsFiles.CA_FILE
          + " yet and no enrolment token to check the cloud's certificate with", "enrol the machine first (see the identity check)"));
      return checks;
    }
    Dialer opened;
    try {
      opened = enrolled ? Dialer.create(link, tls) : Dialer.firstContact(link, new PinnedCa(pinned.caPin()));
    } catch (CryptoException e) {
      checks.add(Check.fail(TlsCheck.NAME, "cannot use this machine's TLS files: " + e.getMessage(),
          "restore the data folder from a backup, or enrol the machine again"));
      return checks;
    }
    try (var dialer = opened) {
      var probes = dialer.probe(PROBE_PATH);
      if (link.proxy() != null) {
        checks.add(EndpointChecks.proxy(link, probes));
      }
      checks.addAll(EndpointChecks.endpoints(probes));
      checks.add(TlsCheck.run(probes, Instant.now()));
      checks.add(ClockCheck.run(probes, settings));
      if (tls.hasIdentity()) {
        checks.add(IdentityChecks.atCloud(dialer));
      }
    }
    return checks;
  }
}
