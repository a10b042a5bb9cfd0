package dev.outpost.cli;

import static org.awaitility.Awaitility.await;

import dev.outpost.connector.Connector;
import dev.outpost.connector.ConnectorConfig;
import dev.outpost.hub.discovery.DiscoveryConfig;
import dev.outpost.transport.DialerConfig;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two connectors on one subnet (loopback): a hub stays with the connector it found first, even
 * though it sees the second one; when an admin moves it through the API it links to the second
 * one and its measurements keep arriving.
 */
class MoveIT {
  @TempDir
  Path root;

  @Test
  void aHubStaysWithItsConnectorUntilAnAdminMovesIt() throws Exception {
    var site = LocalSite.start(root, 0, 1, 1, null, true);
    var vertx = Vertx.vertx();
    Connector second = null;
    try {
      var admin = site.admin();
      var hub = site.hubs().get(0);
      await().atMost(Duration.ofSeconds(10)).until(() -> site.connector().linkedHubs() == 1);
      var dialer = new DialerConfig(List.of(LocalSite.LOOPBACK + ":" + site.cloud().port()), null, null, null, null,
          Duration.ofMillis(200), Duration.ofSeconds(5));
      var secondConnector = LocalSite.await(Connector.start(vertx, new ConnectorConfig(root.resolve("connector-2"), "connector-2",
          LocalSite.LOOPBACK, 0, dialer, admin.enrolmentToken(admin.site(LocalSite.SITE), "connector"), null, null,
          DiscoveryConfig.loopback())));
      second = secondConnector;
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4))
          .until(() -> secondConnector.linkedHubs() == 0 && site.connector().linkedHubs() == 1);

      admin.move(hub.machine().uid(), secondConnector.machine().uid());
      await().atMost(Duration.ofSeconds(10)).until(() -> secondConnector.linkedHubs() == 1 && site.connector().linkedHubs() == 0);
      long stored = site.cloud().store().countFor(hub.machine().uid());
      await().atMost(Duration.ofSeconds(40)).until(() -> site.cloud().store().countFor(hub.machine().uid()) > stored);
    } finally {
      if (second != null) {
        LocalSite.await(second.stop());
      }
      vertx.close().await(10, TimeUnit.SECONDS);
      site.stop();
    }
  }
}
