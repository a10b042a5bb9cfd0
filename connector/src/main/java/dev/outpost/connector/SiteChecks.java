package dev.outpost.connector;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.transport.Dialer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Plain checks of what a connector needs to reach the cloud, each one line with OK / WARN / FAIL
 * and a hint: the default gateway, DNS for every cloud endpoint, the cloud itself (a TLS request
 * with the connector's identity). Used by {@code outpost connector support status}.
 */
public final class SiteChecks {
  /** How a check came out. */
  public enum Status { OK, WARN, FAIL }

  /** One check: what, how it came out, and what it found or what to do. */
  public record Check(String name, Status status, String detail) {
    @Override
    public String toString() {
      return String.format("%-4s %-10s %s", status, name, detail);
    }
  }

  private SiteChecks() {
  }

  /** Blocking: the checks that support access depends on. */
  public static List<Check> forSupport(ConnectorConfig config) {
    var checks = new ArrayList<Check>();
    checks.add(gateway(Path.of("/proc/net/route")));
    checks.addAll(dns(config));
    checks.add(cloud(config));
    return checks;
  }

  /** A default route in the kernel's routing table (read from {@code /proc/net/route}; nothing is sent). */
  static Check gateway(Path routes) {
    try {
      for (String line : Files.readAllLines(routes)) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length > 2 && fields[1].equals("00000000") && !fields[0].equals("Iface")) {
          return new Check("gateway", Status.OK, "default route via " + gatewayAddress(fields[2]) + " on " + fields[0]);
        }
      }
      return new Check("gateway", Status.FAIL, "no default route: this machine reaches no network beyond its own; check the network settings");
    } catch (IOException e) {
      return new Check("gateway", Status.WARN, "cannot read the routing table (" + e.getMessage() + ")");
    }
  }

  private static String gatewayAddress(String hexLittleEndian) {
    long value = Long.parseLong(hexLittleEndian, 16);
    return (value & 0xff) + "." + (value >> 8 & 0xff) + "." + (value >> 16 & 0xff) + "." + (value >> 24 & 0xff);
  }

  private static List<Check> dns(ConnectorConfig config) {
    var hosts = new LinkedHashSet<String>();
    for (String route : config.cloud().routes()) {
      hosts.add(route.substring(0, route.lastIndexOf(':')).replace("[", "").replace("]", ""));
    }
    var checks = new ArrayList<Check>();
    for (String host : hosts) {
      try {
        var addresses = InetAddress.getAllByName(host);
        checks.add(new Check("dns", Status.OK, host + " → " + addresses[0].getHostAddress()));
      } catch (UnknownHostException e) {
        checks.add(new Check("dns", Status.FAIL, host + " does not resolve; check the DNS servers this machine uses"));
      }
    }
    return checks;
  }

  private static Check cloud(ConnectorConfig config) {
    var tls = TlsFiles.inFolder(config.dataDir());
    if (!tls.hasIdentity()) {
      return new Check("cloud", Status.FAIL, "this connector is not enrolled yet: start it once with --token");
    }
    try (var dialer = Dialer.create(config.cloud(), tls)) {
      var answer = dialer.send("GET", "/health/live", null, null, Map.of());
      return answer.status() == 200
          ? new Check("cloud", Status.OK, "reachable via " + dialer.currentRoute())
          : new Check("cloud", Status.FAIL, "answered " + answer.status() + " via " + dialer.currentRoute());
    } catch (RuntimeException e) {
      return new Check("cloud", Status.FAIL, "not reachable: " + e.getMessage() + "; check the firewall (outbound TCP "
          + config.cloud().ports() + ") and the proxy");
    }
  }
}
