package dev.outpost.cli.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
  void aHubGoesDirectWithoutItsConnectorStaysDirectAndReturnsAfterARestartLosingNothing() {
    var site = sites.start(root, ProcessSite.Options.defaults().withHubFallbackAfter(Duration.ofSeconds(5)));
    site.awaitFlow(FLOW);
    String connectorUid = site.connectorUid();
    await("the API to show the hub behind its connector").atMost(Duration.ofSeconds(30))
        .until(() -> connectorUid.equals(site.hubPath()));

    long mark = site.hub().size();
    site.connector().stop();
    await("the hub to go direct").atMost(Duration.ofSeconds(60))
        .failFast("the hub exited", () -> !site.hub().isAlive())
        .until(() -> site.hub().since(mark).contains("uploading directly to the cloud"));
    site.awaitFlow(FLOW);
    await("the API to show the hub's path as direct").atMost(Duration.ofSeconds(30)).until(() -> "direct".equals(site.hubPath()));

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
