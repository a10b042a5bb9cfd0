package dev.outpost.firewall;

import dev.outpost.connector.ConnectorConfig;
import dev.outpost.hub.DirectFallback;
import dev.outpost.hub.HubConfig;
import dev.outpost.hub.discovery.DiscoveryConfig;
import dev.outpost.relay.RelayConfig;
import dev.outpost.transport.DialerConfig;
import java.util.List;

/**
 * The firewall rules for one machine's actual configuration (its endpoints and ports in the order
 * they are tried, its proxy, its LAN gateway, discovery, the fallback): what
 * {@code outpost firewall-docs --config FILE} prints. Never shows the proxy's password.
 */
public final class SiteSheet {

  private SiteSheet() {
  }

  /** The rules a connector with this configuration needs. */
  public static String forConnector(ConnectorConfig config) {
    var out = new StringBuilder(header("connector " + config.name()));
    out.append("Outbound (perimeter firewall):\n\n").append(TABLE);
    out.append(cloudRows("this connector", config.cloud(), "uploads and the command channel"));
    out.append(row("this connector", "relays, as the cloud names them (`GET /api/v1/relays`)",
        via(config.cloud(), "each relay's ports (TCP " + RelayConfig.DEFAULT_PORT + " unless the relay names others)"),
        "remote sessions, while one is open"));
    out.append(basics("this connector", config.cloud()));
    out.append("\nInbound (this connector's host firewall):\n\n").append(TABLE);
    out.append(row("the site's hubs", "this connector, " + config.lanHost(), "TCP " + config.lanPort() + " (TLS)",
        "the LAN gateway"));
    out.append(discoveryRow("the site's hubs", config.discovery()));
    out.append("\nOn the LAN: remote sessions may reach " + String.join(", ", config.remote().networks())
        + (config.remote().ports().isEmpty() ? " on any port" : " on TCP " + config.remote().ports()) + " (`remote`).\n");
    return out.toString();
  }

  /** Blocking (reads the route the connector told the hub). The rules a hub with this configuration needs. */
  public static String forHub(HubConfig config) {
    var out = new StringBuilder(header("hub " + config.name()));
    out.append(TABLE);
    if (config.discovers()) {
      out.append(discoveryRow("this hub", config.discovery()));
      out.append(row("this hub", "the connector it finds", "TCP " + HubConfig.DEFAULT_CONNECTOR_PORT
          + " (TLS) unless the connector's `lanPort` differs", "its data path"));
    } else {
      out.append(row("this hub", "connector " + config.connectorHost(), "TCP " + config.connectorPort() + " (TLS)", "its data path"));
    }
    if (!config.fallback().isAllowed()) {
      out.append("\nFallback: not allowed (`fallback.allowed` is false): nothing else is needed.\n");
      return out.toString();
    }
    DialerConfig route = DirectFallback.cloudRoute(config);
    if (route == null) {
      out.append("\nFallback: allowed after " + FirewallGuides.minutes(config.fallback().after())
          + " without its connector, on the route its connector will tell it (the connector's `cloud.endpoints`"
          + " and ports, no proxy): run this again once the hub has linked, or set `fallback.cloud`.\n");
      return out.toString();
    }
    out.append(cloudRows("this hub (fallback, after " + FirewallGuides.minutes(config.fallback().after())
        + " without its connector)", route, "uploads straight to the cloud"));
    out.append(basics("this hub", route));
    return out.toString();
  }

  private static String header(String machine) {
    return "# Firewall rules for " + machine + "\n\nFrom its config file, by `outpost firewall-docs --config FILE`; the general guides are in"
        + " docs/firewall/.\n\n";
  }

  private static final String TABLE = "| from | to | protocol and port | why |\n| --- | --- | --- | --- |\n";

  private static String row(String from, String to, String what, String why) {
    return "| " + from + " | " + to + " | " + what + " | " + why + " |\n";
  }

  /** One row per route in the dialer's order, or one row to the proxy and what it must let through. */
  private static String cloudRows(String from, DialerConfig link, String why) {
    List<String> routes = link.routes();
    if (link.proxy() != null) {
      return row(from, "proxy " + link.proxy().host(), "TCP " + link.proxy().port() + " (HTTP CONNECT"
          + (link.proxy().hasCredentials() ? ", user " + link.proxy().user() : "") + ")", "every outbound link")
          + row("the proxy", "the cloud", "CONNECT to " + String.join(", then ", routes) + " (TLS, tried in this order)", why);
    }
    var rows = new StringBuilder();
    for (int i = 0; i < routes.size(); i++) {
      String route = routes.get(i);
      int colon = route.lastIndexOf(':');
      rows.append(row(from, route.substring(0, colon), "TCP " + route.substring(colon + 1) + " (TLS), try " + (i + 1)
          + " of " + routes.size(), why));
    }
    return rows.toString();
  }

  private static String via(DialerConfig link, String what) {
    return link.proxy() == null ? what : what + ", through proxy " + link.proxy().host() + ":" + link.proxy().port();
  }

  private static String basics(String from, DialerConfig link) {
    return row(from, "your DNS servers", "UDP/TCP " + FirewallGuides.DNS_PORT, link.proxy() == null
        ? "the names above" : "the proxy's name (the proxy resolves the cloud's)")
        + row(from, "your NTP servers", "UDP " + FirewallGuides.NTP_PORT, "clocks right for certificates and measurements");
  }

  private static String discoveryRow(String peer, DiscoveryConfig discovery) {
    String where = discovery.automaticInterfaces() ? "every LAN interface" : String.join(", ", discovery.interfaces());
    String description = discovery.httpPort() == DiscoveryConfig.DEFAULT_HTTP_PORT
        ? "a free TCP port at each start (set `discovery.httpPort` to fix it)" : "TCP " + discovery.httpPort();
    return row(peer, "multicast " + DiscoveryConfig.SSDP_GROUP + " on " + where, "UDP " + DiscoveryConfig.SSDP_PORT
        + " (IP TTL " + discovery.ttl() + "), and the description port: " + description, "UPnP discovery, both ways");
  }
}
