package dev.outpost.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.hub.HubConfig;
import dev.outpost.transport.DialerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FirewallGuidesTest {
  private static final Path COMMITTED = Path.of("..", "docs", "firewall");

  @Test
  void guidesNameTheRealDefaultPorts() {
    var guides = FirewallGuides.render();
    for (int port : DialerConfig.DEFAULT_PORTS) {
      assertTrue(guides.get("external.md").contains("TCP " + port), "external guide names TCP " + port);
    }
    assertTrue(guides.get("internal.md").contains("TCP " + HubConfig.DEFAULT_CONNECTOR_PORT));
    assertTrue(guides.get("segmented.md").contains("TCP " + HubConfig.DEFAULT_CONNECTOR_PORT));
  }

  @Test
  void committedGuidesAreUpToDate() throws IOException {
    for (var guide : FirewallGuides.render().entrySet()) {
      Path file = COMMITTED.resolve(guide.getKey());
      assertTrue(Files.exists(file), file + " is missing: run ./outpost firewall-docs");
      assertEquals(guide.getValue(), Files.readString(file), file + " is stale: run ./outpost firewall-docs");
    }
  }
}
