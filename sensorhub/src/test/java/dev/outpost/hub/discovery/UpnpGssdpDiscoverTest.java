package dev.outpost.hub.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A standard UPnP tool sees our devices: Debian's {@code gssdp-discover} (package gupnp-tools) searching on
 * {@code lo} only lists the connector and hub device types with their description URLs. Skipped, with the
 * reason, where the tool is not installed.
 */
class UpnpGssdpDiscoverTest {
  static final Path TOOL = Path.of("/usr/bin/gssdp-discover");

  @Test
  void gssdpDiscoverListsOurDeviceTypesOnLoopback() throws Exception {
    assumeTrue(Files.isExecutable(TOOL), "gssdp-discover is not installed; install it with: apt-get install -y "
        + "--no-install-recommends gupnp-tools");
    try (var node = UpnpNode.start(DiscoveryConfig.loopback())) {
      var connector = node.announce(DeviceInfo.connector("gssdp-conn", "Connector for gssdp", "1", 4443));
      var hub = node.announce(DeviceInfo.hub("gssdp-hub", "Hub for gssdp", "1"));
      // both searches at once: each waits its full timeout
      Process forConnector = discover(DeviceTypes.CONNECTOR);
      Process forHub = discover(DeviceTypes.HUB);
      String connectorOut = output(forConnector);
      String hubOut = output(forHub);
      System.err.println("gssdp-discover (connector):\n" + connectorOut + "\ngssdp-discover (hub):\n" + hubOut);
      assertTrue(connectorOut.contains(DeviceTypes.CONNECTOR), connectorOut);
      assertTrue(connectorOut.contains(connector.descriptionUrls().get(0).toString()), connectorOut);
      assertTrue(connectorOut.contains("uuid:" + DeviceTypes.udnFor("gssdp-conn") + "::" + DeviceTypes.CONNECTOR),
          connectorOut);
      assertTrue(hubOut.contains(DeviceTypes.HUB), hubOut);
      assertTrue(hubOut.contains(hub.descriptionUrls().get(0).toString()), hubOut);
      assertTrue(!connectorOut.contains(DeviceTypes.HUB), "a search for connectors is answered by connectors only");
    }
  }

  private static Process discover(String target) throws Exception {
    return new ProcessBuilder(List.of(TOOL.toString(), "-i", "lo", "--timeout=3", "--target=" + target))
        .redirectErrorStream(true).start();
  }

  private static String output(Process p) throws Exception {
    assertTrue(p.waitFor(15, TimeUnit.SECONDS), "gssdp-discover did not end");
    assertEquals(0, p.exitValue());
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
