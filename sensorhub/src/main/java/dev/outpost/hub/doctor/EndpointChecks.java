package dev.outpost.hub.doctor;

import dev.outpost.transport.DialerConfig;
import dev.outpost.transport.ProxyConfig;
import dev.outpost.transport.RouteProbe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Each endpoint and port in the order the dialer tries them ({@link dev.outpost.transport.Dialer#probe}),
 * and the proxy they go through. A route that fails is a FAIL when no route answered, and a WARN when
 * another one did (the dialer moves on to it).
 */
public final class EndpointChecks {
  static final String ENDPOINT = "endpoint";
  static final String PROXY = "proxy";

  private EndpointChecks() {
  }

  /** One check per route, in the order tried. */
  public static List<Check> endpoints(List<RouteProbe> probes) {
    boolean anyAnswered = probes.stream().anyMatch(p -> p.outcome() == RouteProbe.Outcome.ANSWERED);
    var checks = new ArrayList<Check>();
    for (var probe : probes) {
      String where = probe.route() + ": ";
      if (probe.outcome() == RouteProbe.Outcome.ANSWERED) {
        long ms = probe.receivedAtMillis() - probe.sentAtMillis();
        checks.add(probe.status() / 100 == 2
            ? Check.ok(ENDPOINT, where + "answered HTTP " + probe.status() + " in " + ms + " ms")
            : Check.warn(ENDPOINT, where + "reached, but answered HTTP " + probe.status(),
                "the cloud is up but not healthy; ask its operator"));
        continue;
      }
      String hint = switch (probe.outcome()) {
        case CONNECT_FAILED -> "allow outbound TCP " + port(probe.route()) + " to " + host(probe.route())
            + " in the firewall (and on the proxy, if one is used)";
        case PROXY_REFUSED -> "fix cloud.proxy.user and cloud.proxy.password (see the proxy check)";
        case TLS_FAILED -> "see the tls check";
        default -> "something between here and the cloud cut the connection; check TLS-inspecting firewalls";
      };
      var check = new Check(ENDPOINT, anyAnswered ? Check.Status.WARN : Check.Status.FAIL, where + probe.detail(),
          anyAnswered ? hint + "; the links use another route meanwhile" : hint);
      checks.add(check);
    }
    return checks;
  }

  /**
   * Blocking. The proxy: its port reachable, and what it did with the probes: a refusal of the
   * credentials (407) is a FAIL. The password is never shown.
   */
  public static Check proxy(DialerConfig link, List<RouteProbe> probes) {
    ProxyConfig proxy = link.proxy();
    String who = "proxy " + proxy.host() + ":" + proxy.port()
        + (proxy.hasCredentials() ? " (user '" + proxy.user() + "')" : " (no credentials)");
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress(proxy.host(), proxy.port()), (int) link.connectTimeout().toMillis());
    } catch (IOException e) {
      return Check.fail(PROXY, who + " is not reachable: " + e.getMessage(),
          "check cloud.proxy.host and cloud.proxy.port, and that this machine may reach the proxy");
    }
    for (var probe : probes) {
      if (probe.outcome() == RouteProbe.Outcome.PROXY_REFUSED) {
        return Check.fail(PROXY, probe.detail(), proxy.hasCredentials()
            ? "ask the proxy's admin for the right credentials and set cloud.proxy.user and cloud.proxy.password"
            : "the proxy wants credentials: set cloud.proxy.user and cloud.proxy.password");
      }
    }
    if (probes.stream().anyMatch(RouteProbe::connected)) {
      return Check.ok(PROXY, who + " accepted CONNECT");
    }
    return Check.fail(PROXY, who + " is reachable but let no route through",
        "the proxy must allow CONNECT to the cloud's names on " + link.ports() + " (see the endpoint checks)");
  }

  private static String host(String route) {
    return route.substring(0, route.lastIndexOf(':'));
  }

  private static String port(String route) {
    return route.substring(route.lastIndexOf(':') + 1);
  }
}
