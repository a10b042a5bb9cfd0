package dev.outpost.hub.doctor;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.DirectFallback;
import dev.outpost.hub.HubConfig;
import dev.outpost.hub.RememberedConnector;
import dev.outpost.hub.SensorHub;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code outpost hub doctor}: the hub's identity, its outbox, multicast on its LAN interfaces (when
 * it finds its connector by UPnP), its connector, and its own way to the cloud when the fallback is
 * allowed. A hub needs no internet, so the fallback's findings are at most WARN.
 */
public final class HubDoctor {
  private HubDoctor() {
  }

  /**
   * Blocking (seconds, more when routes time out): every check, with the config's {@code doctor}
   * settings, reading the kernel's routing table.
   */
  public static DoctorReport run(HubConfig config) {
    return run(config, GatewayCheck.KERNEL_ROUTES);
  }

  /** As above with another routing table ({@code /proc/net/route} format). */
  public static DoctorReport run(HubConfig config, Path routeTable) {
    var settings = config.doctor();
    var now = Instant.now();
    var tls = TlsFiles.inFolder(config.dataDir());
    var checks = new ArrayList<Check>();
    checks.add(IdentityChecks.local(config.dataDir(), now, config.token() == null
        ? "approve the hub in the dashboard (machines waiting for approval), or give it the site's hub token (token)"
        : "start the hub (it enrols through its connector with its token): see the connector check"));
    checks.add(OutboxCheck.run(config.dataDir().resolve(SensorHub.OUTBOX_FILE), config.outbox(), now));
    if (config.discovers()) {
      checks.addAll(MulticastCheck.run(config.discovery(), settings.multicastWait()));
      checks.add(ConnectorLanCheck.discovered(config.discovery(), RememberedConnector.load(config.dataDir()), tls, now,
          settings.multicastWait()));
    } else {
      checks.add(Check.ok(MulticastCheck.NAME, "not used: the connector's address is configured (" + config.connector() + ")"));
      checks.add(DnsCheck.resolve(config.connectorHost(), false));
      checks.add(ConnectorLanCheck.run(config.connectorHost(), config.connectorPort(), tls, now));
    }
    checks.addAll(fallback(config, settings, routeTable));
    return new DoctorReport(checks);
  }

  private static List<Check> fallback(HubConfig config, DoctorSettings settings, Path routeTable) {
    if (!config.fallback().isAllowed()) {
      return List.of(Check.ok("fallback", "not allowed (fallback.allowed is false): the hub uploads only through its connector"));
    }
    var route = DirectFallback.cloudRoute(config);
    if (route == null) {
      return List.of(Check.warn("fallback", "allowed, but no way to the cloud known yet",
          "link the hub to its connector once (it tells the route), or set fallback.cloud"));
    }
    var checks = new ArrayList<Check>();
    checks.add(GatewayCheck.run(routeTable));
    checks.addAll(CloudPath.run(route, TlsFiles.inFolder(config.dataDir()), settings));
    // a revoked hub is a FAIL whichever way it asked
    return checks.stream().map(c -> c.name().equals(IdentityChecks.REVOCATION) ? c : c.atMostWarn())
        .map(c -> c.named("fallback." + c.name())).toList();
  }
}
