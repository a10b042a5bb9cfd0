package dev.outpost.cli.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's fallback with real processes: the connector goes away during heavy flow; after
 * {@code fallback.after} (5 s here, through the hub's config) the hub uploads directly to the cloud
 * with its own identity; when the connector is back the hub stays direct until its service
 * restarts, then returns to the connector. Every measurement it produced is stored exactly once.
 */
class FallbackFaultIT {
  private static final long FLOW = 3_000;

  @RegisterExtension
  final ProcessSites sites = new ProcessSites();

  @TempDir
  Path root;

  @Test
  void aHubGoesDirectWithoutItsConnectorStaysDirectAndReturnsAfterARestartLosingNothing() throws Exception {
    var site = sites.start(root, ProcessSite.Options.defaults().withHubFallbackAfter(Duration.ofSeconds(5)));
    site.awaitFlow(FLOW);
    String connectorUid = site.connectorUid();
    await("the API to show the hub behind its connector").atMost(Duration.ofSeconds(30))
        .until(() -> connectorUid.equals(site.hubPath()));
    // each role's /metrics tells the same story
    assertTrue(site.hubMetrics().contains("outpost_connector_linked{role=\"hub\"} 1.0"), site.hubMetrics());
    assertTrue(site.hubMetrics().contains("outpost_uploads_direct{role=\"hub\"} 0.0"), site.hubMetrics());
    assertTrue(site.connectorMetrics().contains("outpost_hubs_linked{role=\"connector\"} 1.0"), site.connectorMetrics());

    long mark = site.hub().size();
    site.connector().stop();
    await("the hub to go direct").atMost(Duration.ofSeconds(60))
        .failFast("the hub exited", () -> !site.hub().isAlive())
        .until(() -> site.hub().since(mark).contains("uploading directly to the cloud"));
    site.awaitFlow(FLOW);
    await("the API to show the hub's path as direct").atMost(Duration.ofSeconds(30)).until(() -> "direct".equals(site.hubPath()));
    assertTrue(site.hubMetrics().contains("outpost_uploads_direct{role=\"hub\"} 1.0"), site.hubMetrics());
    assertTrue(site.hubMetrics().contains("outpost_connector_linked{role=\"hub\"} 0.0"), site.hubMetrics());
    // and the hub's own log file (DATA/logs/hub.log) has what it printed
    assertTrue(Files.readString(site.hubLogFile()).contains("uploading directly to the cloud"));

    long back = site.hub().size();
    site.connector().start();
    site.awaitFlow(FLOW);
    assertFalse(site.hub().since(back).contains("linked to connector"), "the hub stays direct while its service runs");

    site.hub().stop();
    long restarted = site.hub().size();
    site.hub().start();
    site.awaitHubLinked(restarted);
    site.awaitFlow(FLOW);
    await("the API to show the hub behind its connector again").atMost(Duration.ofSeconds(30))
        .until(() -> connectorUid.equals(site.hubPath()));

    var counts = site.finish();
    System.out.println("fallback: " + counts.summary());
    counts.assertExactlyOnce();
  }
}
