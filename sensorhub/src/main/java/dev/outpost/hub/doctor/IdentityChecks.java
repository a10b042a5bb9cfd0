package dev.outpost.hub.doctor;

import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.MachineCertificates;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.CloudUplink;
import dev.outpost.hub.EnrolmentKeys;
import dev.outpost.transport.DialException;
import dev.outpost.transport.Dialer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * The machine's identity: enrolled (its certificate and {@code ca.pem} in the data folder), the days
 * its certificate has left, and whether the cloud still accepts it (not revoked).
 */
public final class IdentityChecks {
  static final String IDENTITY = "identity";
  static final String REVOCATION = "revocation";
  /** A machine certificate with fewer days left than this is a WARN (the same as its {@code certificate} measurement). */
  public static final int WARN_DAYS = 30;

  private IdentityChecks() {
  }

  /**
   * Blocking. What the data folder holds.
   *
   * @param enrolHint what to do when the machine is not enrolled (it differs for hubs and connectors)
   */
  public static Check local(Path dataDir, Instant now, String enrolHint) {
    var tls = TlsFiles.inFolder(dataDir);
    if (!tls.hasIdentity()) {
      if (Files.exists(dataDir.resolve(EnrolmentKeys.REQUEST_FILE))) {
        return Check.fail(IDENTITY, "not enrolled: its signing request waits for the cloud's answer", enrolHint);
      }
      return Check.fail(IDENTITY, "not enrolled: no " + TlsFiles.CERTIFICATE_FILE + " in " + dataDir, enrolHint);
    }
    if (!Files.exists(tls.ca())) {
      return Check.fail(IDENTITY, "no " + TlsFiles.CA_FILE + " in " + dataDir + ": the machine cannot check whom it talks to",
          "restore the data folder from a backup, or enrol the machine again");
    }
    try {
      var certificate = Pem.readCertificates(tls.certificate()).get(0);
      long days = MachineCertificates.daysUntilExpiry(certificate, now);
      String who = "enrolled as " + certificate.getSubjectX500Principal().getName();
      if (days < 0) {
        return Check.fail(IDENTITY, who + ", certificate expired " + -days + " days ago",
            "an expired certificate is not renewed: enrol the machine again with a new token");
      }
      String detail = who + ", certificate valid " + days + " more days";
      return days < WARN_DAYS
          ? Check.warn(IDENTITY, detail, "it renews itself over its link to the cloud: check the links below and the cloud's log")
          : Check.ok(IDENTITY, detail);
    } catch (CryptoException e) {
      return Check.fail(IDENTITY, "cannot read " + tls.certificate() + ": " + e.getMessage(),
          "restore the data folder from a backup, or enrol the machine again");
    }
  }

  /**
   * Blocking. Asks the cloud whether it still accepts this machine's certificate: an upload call
   * with an empty body of the wrong type, which the cloud answers after checking the certificate
   * and before reading anything (415 means accepted; nothing is stored).
   */
  public static Check atCloud(Dialer dialer) {
    try {
      var answer = dialer.send("POST", CloudUplink.INGEST_PATH, "text/plain", new byte[0], Map.of());
      String said = new String(answer.body(), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
      return switch (answer.status()) {
        case 415 -> Check.ok(REVOCATION, "the cloud accepts this machine's certificate (not revoked)");
        case 403 -> said.contains("revoked")
            ? Check.fail(REVOCATION, "the cloud says this machine is revoked: " + said,
                "a revoked machine stays cut off: enrol it again as a new machine (new data folder, new token)")
            : Check.fail(REVOCATION, "the cloud refuses this machine: " + said,
                "approve it in the dashboard, or enrol it again");
        case 401 -> Check.fail(REVOCATION, "the cloud refused this machine's certificate: " + said,
            "the machine was enrolled with another cloud or organisation: enrol it again here");
        default -> Check.warn(REVOCATION, "unexpected answer HTTP " + answer.status() + ": " + said,
            "the cloud may be older or newer than this machine; compare versions");
      };
    } catch (DialException e) {
      return Check.warn(REVOCATION, "not checked: " + e.getMessage(), "fix the endpoint checks first");
    }
  }
}
