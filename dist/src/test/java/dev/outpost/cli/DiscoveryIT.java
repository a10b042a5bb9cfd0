package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's way: hubs with no connector address find it by UPnP on the loopback interface, enrol
 * (one with the site's token, one by the admin's approval), and their measurements arrive; after a
 * restart the connector listens on another port and the hubs find the same connector again.
 */
class DiscoveryIT {
  @TempDir
  Path root;

  @Test
  void hubsWithoutAnAddressFindEnrolAndDeliverAndFindTheSameConnectorAfterARestart() throws Exception {
    String connectorUid;
    var site = LocalSite.start(root, 0, 2, 1, null, true);
    try {
      connectorUid = site.connector().machine().uid();
      await().atMost(Duration.ofSeconds(5)).until(() -> site.hubs().stream().allMatch(h -> h.linked()));
      for (var hub : site.hubs()) {
        await().atMost(Duration.ofSeconds(30)).until(() -> site.cloud().store().countFor(hub.machine().uid()) > 0);
      }
      // A clean stop says so (goodbye on the link, SSDP byebye): the cloud shows "shutdown" at once, not "lost" later.
      var admin = site.admin();
      String stopped = site.hubs().get(1).machine().uid();
      LocalSite.await(site.hubs().get(1).stop());
      await().atMost(Duration.ofSeconds(5)).until(() -> "shutdown".equals(admin.offline(stopped)));
    } finally {
      site.stop();
    }
    for (String hub : new String[] {"hub-1", "hub-2"}) {
      assertTrue(Files.readString(root.resolve(hub).resolve("connector.json")).contains(connectorUid),
          hub + " remembers its connector by uid");
    }
    var again = LocalSite.start(root, 0, 2, 1, null, true);
    // (hub-2 was stopped before the site; it starts again with the others)
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> again.hubs().stream().allMatch(h -> h.linked()));
      long before = again.cloud().store().countFor(again.hubs().get(1).machine().uid());
      await().atMost(Duration.ofSeconds(40))
          .until(() -> again.cloud().store().countFor(again.hubs().get(1).machine().uid()) > before);
    } finally {
      again.stop();
    }
  }

  @Test
  void aHubStartedBeforeItsConnectorFindsItWithinFiveSecondsOfTheConnectorsStart() throws Exception {
    var site = LocalSite.start(root, 0, 1, 1, null, true);
    var vertx = io.vertx.core.Vertx.vertx();
    try {
      var hub = site.hubs().get(0);
      await().atMost(Duration.ofSeconds(5)).until(hub::linked);
      LocalSite.await(site.connector().stop());
      await().atMost(Duration.ofSeconds(5)).until(() -> !hub.linked());
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> !hub.linked());

      // The same connector (same data folder, so the same identity) starts again, on another port.
      var dialer = new dev.outpost.transport.DialerConfig(java.util.List.of(LocalSite.LOOPBACK + ":" + site.cloud().port()),
          null, null, null, null, Duration.ofMillis(200), Duration.ofSeconds(5));
      var connector = LocalSite.await(dev.outpost.connector.Connector.start(vertx, new dev.outpost.connector.ConnectorConfig(
          root.resolve("connector"), "connector", LocalSite.LOOPBACK, 0, dialer, null, null, null,
          dev.outpost.hub.discovery.DiscoveryConfig.loopback())));
      try {
        await().atMost(Duration.ofSeconds(5)).until(() -> hub.linked() && connector.linkedHubs() == 1);
      } finally {
        LocalSite.await(connector.stop());
      }
    } finally {
      vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
      site.stop();
    }
  }
}
