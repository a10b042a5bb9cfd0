package dev.outpost.cli.faults;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of each process of a site during heavy flow (a hub with hundreds of sensors
 * measuring every second, frames and uploads always in flight), then a restart on the same data
 * folder: every measurement the hub produced is stored in the cloud exactly once.
 */
class KillFaultIT {
  /** Measurements stored before the fault and after the recovery: the flow runs end to end. */
  private static final long FLOW = 3_000;

  @RegisterExtension
  final ProcessSites sites = new ProcessSites();

  @TempDir
  Path root;

  @Test
  void aHubKilledMidFlowLosesNothingAndRepeatsNothingAfterItsRestart() {
    var site = sites.start(root, ProcessSite.Options.defaults());
    site.awaitFlow(FLOW);

    site.hub().kill();
    long mark = site.hub().size();
    site.hub().start();
    site.awaitHubLinked(mark);
    site.awaitFlow(FLOW);

    var counts = site.finish();
    System.out.println("hub killed: " + counts.summary());
    counts.assertExactlyOnce();
  }

  @Test
  void aConnectorKilledMidFlowLosesNothingAndRepeatsNothingAfterItsRestart() {
    var site = sites.start(root, ProcessSite.Options.defaults());
    site.awaitFlow(FLOW);

    long mark = site.hub().size();
    site.connector().kill();
    site.connector().start();
    site.awaitHubLinked(mark);
    site.awaitFlow(FLOW);

    var counts = site.finish();
    System.out.println("connector killed: " + counts.summary());
    counts.assertExactlyOnce();
  }

  @Test
  void aCloudKilledMidFlowLosesNothingAndRepeatsNothingAfterItsRestart() {
    var site = sites.start(root, ProcessSite.Options.defaults());
    site.awaitFlow(FLOW);

    site.cloud().kill();
    site.startCloud();
    site.awaitFlow(FLOW);

    var counts = site.finish();
    System.out.println("cloud killed: " + counts.summary());
    counts.assertExactlyOnce();
  }
}
