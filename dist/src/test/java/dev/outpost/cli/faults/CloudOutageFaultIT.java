package dev.outpost.cli.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cloud is down for two minutes during heavy flow: the hub keeps measuring and sending to its
 * connector, the connector keeps everything in its outbox, and once the cloud is back every
 * measurement arrives, exactly once. The outage can be shortened for a local run with
 * {@code -Doutpost.faults.outage=PT30S}.
 */
class CloudOutageFaultIT {
  private static final long FLOW = 3_000;
  private static final Duration OUTAGE = Duration.parse(System.getProperty("outpost.faults.outage", "PT2M"));

  @RegisterExtension
  final ProcessSites sites = new ProcessSites();

  @TempDir
  Path root;

  @Test
  void theCloudDownForTwoMinutesLosesNothingAndEverythingArrivesOnceItIsBack() {
    var site = sites.start(root, ProcessSite.Options.defaults());
    site.awaitFlow(FLOW);

    site.cloud().stop();
    long hubMark = site.hub().size();
    ProcessSite.note("the cloud is down for " + OUTAGE.toSeconds() + " s");
    await("the hub and the connector to keep running through the outage").during(OUTAGE)
        .atMost(OUTAGE.plusSeconds(30)).pollInterval(Duration.ofSeconds(1))
        .until(() -> site.hub().isAlive() && site.connector().isAlive());
    assertFalse(site.hub().since(hubMark).contains("no link to connector"),
        "the hub stays linked to its connector while the cloud is down (the connector keeps taking its measurements)");

    site.startCloud();
    site.awaitFlow(FLOW);

    var counts = site.finish();
    System.out.println("cloud down for " + OUTAGE.toSeconds() + " s: " + counts.summary());
    counts.assertExactlyOnce();
  }
}
