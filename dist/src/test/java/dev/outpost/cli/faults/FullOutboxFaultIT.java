package dev.outpost.cli.faults;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hub whose outbox is small ({@code outbox.maxMeasurements} in its config) loses its connector
 * during heavy flow for longer than the outbox can hold: the oldest measurements are dropped and
 * counted exactly, and everything else arrives once the connector is back, exactly once.
 */
class FullOutboxFaultIT {
  private static final long FLOW = 3_000;
  /** A few seconds of the flow (500 measurements a second). */
  private static final long HUB_OUTBOX_LIMIT = 2_000;
  /** How long the connector stays away after the hub's outbox started to drop. */
  private static final Duration OVERFLOW = Duration.ofSeconds(5);

  @RegisterExtension
  final ProcessSites sites = new ProcessSites();

  @TempDir
  Path root;

  @Test
  void aFullHubOutboxDropsTheOldestAndCountsEveryDropExactly() {
    var site = sites.start(root, ProcessSite.Options.defaults().withHubOutboxLimit(HUB_OUTBOX_LIMIT));
    site.awaitFlow(FLOW);

    long hubMark = site.hub().size();
    site.connector().stop();
    await("the hub's outbox to overflow").atMost(Duration.ofSeconds(60))
        .failFast("the hub exited", () -> !site.hub().isAlive())
        .until(() -> site.hub().since(hubMark).contains("measurements unsent"));
    await("the hub to keep measuring with a full outbox").during(OVERFLOW).atMost(OVERFLOW.plusSeconds(10))
        .until(() -> site.hub().isAlive());

    long linkMark = site.hub().size();
    site.connector().start();
    site.awaitHubLinked(linkMark);
    site.awaitFlow(FLOW);

    var counts = site.finish();
    System.out.println("hub outbox full: " + counts.summary());
    counts.assertExactlyOnceExceptCountedDrops();
  }
}
