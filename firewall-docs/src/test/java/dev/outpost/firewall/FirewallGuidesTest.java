package dev.outpost.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.cloud.CloudConfig;
import dev.outpost.connector.ConnectorConfig;
import dev.outpost.hub.HubConfig;
import dev.outpost.hub.discovery.DiscoveryConfig;
import dev.outpost.relay.RelayConfig;
import dev.outpost.transport.DialerConfig;
import dev.outpost.transport.ProxyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirewallGuidesTest {
  private static final Path COMMITTED = Path.of("..", "docs", "firewall");

  @TempDir
  Path dir;

  @Test
  void guidesNameTheRealDefaults() {
    var guides = FirewallGuides.render();
    String external = guides.get("external.md");
    assertTrue(external.contains(FirewallGuides.inOrder(DialerConfig.DEFAULT_PORTS)), "external guide names the ports in order");
    assertTrue(external.contains("TCP " + RelayConfig.DEFAULT_PORT + " unless the relay's config names others"), external);
    assertTrue(external.contains("UDP/TCP " + FirewallGuides.DNS_PORT) && external.contains("UDP " + FirewallGuides.NTP_PORT));
    assertTrue(external.contains("listens on TCP " + CloudConfig.DEFAULT_PORT));
    assertTrue(external.contains("`cloud.proxy`"));

    String internal = guides.get("internal.md");
    assertTrue(internal.contains("UDP " + DiscoveryConfig.SSDP_PORT + ", multicast group " + DiscoveryConfig.SSDP_GROUP), internal);
    assertTrue(internal.contains("TCP " + HubConfig.DEFAULT_CONNECTOR_PORT + " (TLS) | the site's hubs"), internal);
    assertTrue(internal.contains("after " + HubConfig.Fallback.DEFAULT_AFTER.toMinutes() + " min without its connector"), internal);

    String segmented = guides.get("segmented.md");
    assertTrue(segmented.contains("\"connector\": \"HOST:" + HubConfig.DEFAULT_CONNECTOR_PORT + "\""), segmented);
    assertTrue(segmented.contains("IP TTL " + DiscoveryConfig.DEFAULT_TTL));
  }

  @Test
  void committedGuidesAreUpToDate() throws IOException {
    for (var guide : FirewallGuides.render().entrySet()) {
      Path file = COMMITTED.resolve(guide.getKey());
      assertTrue(Files.exists(file), file + " is missing: run ./outpost firewall-docs");
      assertEquals(guide.getValue(), Files.readString(file), file + " is stale: run ./outpost firewall-docs");
    }
  }

  @Test
  void aConnectorsSheetHasItsOwnRoutesInOrderAndItsProxyButNeverThePassword() {
    var cloud = new DialerConfig(List.of("cloud.example.net", "backup.example.net:8443"), List.of(5935, 443),
        new ProxyConfig("proxy.lan", 3128, "outpost", "hunter2-secret"), null, null, null, null);
    var config = new ConnectorConfig(dir, "site-a", "192.168.1.10", 8443, cloud, null, null, null,
        DiscoveryConfig.DEFAULTS.withInterfaces(List.of("eth1")).withHttpPort(8080), null, null);

    String sheet = SiteSheet.forConnector(config);

    assertTrue(sheet.contains("| this connector | proxy proxy.lan | TCP 3128 (HTTP CONNECT, user outpost) |"), sheet);
    assertTrue(sheet.contains("CONNECT to cloud.example.net:5935, then cloud.example.net:443, then backup.example.net:8443"), sheet);
    assertTrue(sheet.contains("through proxy proxy.lan:3128"), "relays go through the proxy too");
    assertTrue(sheet.contains("| the site's hubs | this connector, 192.168.1.10 | TCP 8443 (TLS) |"), sheet);
    assertTrue(sheet.contains("multicast 239.255.255.250 on eth1 | UDP 1900 (IP TTL 2), and the description port: TCP 8080"), sheet);
    assertFalse(sheet.contains("hunter2"), "the proxy's password never shows");
    assertFalse(sheet.contains("TCP 80 "), "no default port that this connector does not use");
  }

  @Test
  void aDirectConnectorsSheetListsEveryRouteInTheOrderTried() {
    var config = new ConnectorConfig(dir, "site-b", null, -1, new DialerConfig(List.of("cloud.example.net"), List.of(8443, 443),
        null, null, null, null, null), null, null, null, null, null, null);

    String sheet = SiteSheet.forConnector(config);

    int first = sheet.indexOf("| this connector | cloud.example.net | TCP 8443 (TLS), try 1 of 2 |");
    int second = sheet.indexOf("| this connector | cloud.example.net | TCP 443 (TLS), try 2 of 2 |");
    assertTrue(first > 0 && second > first, sheet);
    assertTrue(sheet.contains("TCP " + HubConfig.DEFAULT_CONNECTOR_PORT + " (TLS) | the LAN gateway"), sheet);
  }

  @Test
  void aHubsSheetHasItsConnectorAndItsFallbackRoute() {
    var fallback = new HubConfig.Fallback(true, Duration.ofMinutes(5), new DialerConfig(List.of("cloud.example.net"),
        List.of(5935), null, null, null, null, null), null);
    var config = new HubConfig(dir, "fileserver", "connector.lan:9443", null, null, null, null, fallback);

    String sheet = SiteSheet.forHub(config);

    assertTrue(sheet.contains("| this hub | connector connector.lan | TCP 9443 (TLS) | its data path |"), sheet);
    assertTrue(sheet.contains("| this hub (fallback, after 5 min without its connector) | cloud.example.net | TCP 5935 (TLS), try 1 of 1 |"),
        sheet);
    var closed = new HubConfig(dir, "fileserver", "connector.lan:9443", null, null, null, null,
        new HubConfig.Fallback(false, null, null, null));
    assertTrue(SiteSheet.forHub(closed).contains("Fallback: not allowed"));
  }
}
