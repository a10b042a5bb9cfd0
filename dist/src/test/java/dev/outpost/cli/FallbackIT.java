package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.connector.Connector;
import dev.outpost.connector.ConnectorConfig;
import dev.outpost.hub.HubConfig;
import dev.outpost.hub.SensorHub;
import dev.outpost.hub.discovery.DiscoveryConfig;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.State;
import dev.outpost.transport.DialerConfig;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's fallback on loopback: a hub whose connector is gone uploads directly to the cloud
 * with its own identity (the route its connector told it), stays direct when the connector is back,
 * and returns to the connector after a restart; every measurement it recorded is stored once.
 */
class FallbackIT {
  @TempDir
  Path root;

  @Test
  void aHubWithoutItsConnectorGoesDirectStaysDirectAndReturnsAfterARestart() throws Exception {
    var site = LocalSite.start(root, 0, 1);
    var vertxes = new ArrayList<Vertx>();
    try {
      Path hubDir = root.resolve("hub-1");
      int lanPort = site.connector().lanPort();
      int cloudPort = site.cloud().port();
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(hubDir.resolve("cloud-route.json")));
      LocalSite.await(site.hubs().get(0).stop());
      var hubConfig = new HubConfig(hubDir, "hub-1", LocalSite.LOOPBACK + ":" + lanPort, null,
          new HubConfig.Link(0, 0, Duration.ofMillis(100), Duration.ofMillis(500)), null, DiscoveryConfig.loopback(),
          new HubConfig.Fallback(true, Duration.ofSeconds(2), null, null));
      var hub = startHub(vertxes, hubConfig);
      await().atMost(Duration.ofSeconds(10)).until(hub::linked);
      record(hub, 500);

      LocalSite.await(site.connector().stop());
      record(hub, 500);
      await().atMost(Duration.ofSeconds(15)).until(hub::direct);
      assertFalse(hub.linked());
      String uid = hub.machine().uid();
      await().atMost(Duration.ofSeconds(20)).until(() -> site.cloud().store().countFor(uid) >= hub.outbox().recorded());
      var admin = site.admin();
      assertEquals("direct", admin.machine(uid).path("path").path("type").asText(), "the API shows the hub's path");

      // The connector is back (same identity, same port): the hub stays direct until it restarts.
      var connector = startConnector(vertxes, root.resolve("connector"), lanPort, cloudPort);
      record(hub, 500);
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> !hub.linked() && connector.linkedHubs() == 0);
      await().atMost(Duration.ofSeconds(20)).until(() -> site.cloud().store().countFor(uid) >= hub.outbox().recorded());

      LocalSite.await(hub.stop());
      var again = startHub(vertxes, hubConfig);
      await().atMost(Duration.ofSeconds(10)).until(() -> again.linked() && connector.linkedHubs() == 1);
      assertFalse(again.direct());
      String connectorUid = connector.machine().uid();
      await().atMost(Duration.ofSeconds(10)).until(() -> connectorUid.equals(admin.machine(uid).path("path").path("connector").asText()));
      record(again, 500);
      await().atMost(Duration.ofSeconds(30)).until(() -> again.outbox().depth() == 0
          && site.cloud().store().countFor(uid) >= again.outbox().recorded());
      assertEquals(again.outbox().recorded(), site.cloud().store().countFor(uid), "produced = stored, nothing twice");
      assertTrue(again.outbox().recorded() >= 2_000);
      LocalSite.await(connector.stop());
    } finally {
      for (var vertx : vertxes) {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
      site.stop();
    }
  }

  private static SensorHub startHub(List<Vertx> vertxes, HubConfig config) {
    var vertx = Vertx.vertx();
    vertxes.add(vertx);
    return LocalSite.await(SensorHub.start(vertx, config));
  }

  private static Connector startConnector(List<Vertx> vertxes, Path dir, int lanPort, int cloudPort) {
    var vertx = Vertx.vertx();
    vertxes.add(vertx);
    var dialer = new DialerConfig(List.of(LocalSite.LOOPBACK + ":" + cloudPort), null, null, null, null,
        Duration.ofMillis(200), Duration.ofSeconds(5));
    return LocalSite.await(Connector.start(vertx, new ConnectorConfig(dir, "connector", LocalSite.LOOPBACK, lanPort, dialer,
        null, null, null, DiscoveryConfig.loopback())));
  }

  private static void record(SensorHub hub, int count) {
    var measurements = new ArrayList<Measurement>(count);
    long now = System.currentTimeMillis();
    for (int i = 0; i < count; i++) {
      measurements.add(new Measurement("load", now + i, State.OK, Map.of("value", (double) i), Map.of(), ""));
    }
    LocalSite.await(hub.record(measurements));
  }
}
