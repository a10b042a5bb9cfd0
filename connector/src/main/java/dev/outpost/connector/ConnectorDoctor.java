package dev.outpost.connector;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.doctor.Check;
import dev.outpost.hub.doctor.CloudPath;
import dev.outpost.hub.doctor.DoctorReport;
import dev.outpost.hub.doctor.GatewayCheck;
import dev.outpost.hub.doctor.IdentityChecks;
import dev.outpost.hub.doctor.MulticastCheck;
import dev.outpost.hub.doctor.OutboxCheck;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code outpost connector doctor}: the default gateway, the way to the cloud (DNS, proxy, each
 * endpoint and port, TLS, clock, revocation), the identity, multicast on the LAN interfaces and the
 * outbox, with the checks of {@link dev.outpost.hub.doctor}. {@code outpost connector support status}
 * prints the part that support access needs ({@link #forSupport}).
 */
public final class ConnectorDoctor {
  private static final String ENROL_HINT = "start the connector once with --token TOKEN (a connector token made in the"
      + " dashboard: POST /api/v1/sites/{id}/tokens)";

  private ConnectorDoctor() {
  }

  /** Blocking (seconds, more when routes time out): every check, reading the kernel's routing table. */
  public static DoctorReport run(ConnectorConfig config) {
    return run(config, GatewayCheck.KERNEL_ROUTES);
  }

  /** As above with another routing table ({@code /proc/net/route} format). */
  public static DoctorReport run(ConnectorConfig config, Path routeTable) {
    var checks = new ArrayList<>(forSupport(config, routeTable));
    checks.addAll(MulticastCheck.run(config.discovery(), config.doctor().multicastWait()));
    checks.add(OutboxCheck.run(config.dataDir().resolve(Connector.OUTBOX_FILE), config.outbox(), Instant.now()));
    return new DoctorReport(checks);
  }

  /**
   * Blocking: the default gateway (from the kernel's routing table), the identity and the way to the
   * cloud (before enrolment with the CA pin of the config's token).
   */
  public static List<Check> forSupport(ConnectorConfig config) {
    return forSupport(config, GatewayCheck.KERNEL_ROUTES);
  }

  /** As above with another routing table ({@code /proc/net/route} format). */
  public static List<Check> forSupport(ConnectorConfig config, Path routeTable) {
    var checks = new ArrayList<Check>();
    checks.add(GatewayCheck.run(routeTable));
    checks.add(IdentityChecks.local(config.dataDir(), Instant.now(), ENROL_HINT));
    checks.addAll(CloudPath.run(config.cloud(), TlsFiles.inFolder(config.dataDir()), config.doctor(), config.token()));
    return checks;
  }
}
