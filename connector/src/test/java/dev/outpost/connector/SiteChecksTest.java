package dev.outpost.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SiteChecksTest {
  @TempDir
  Path dir;

  @Test
  void theDefaultRouteIsReadFromTheKernelsTable() throws Exception {
    Path routes = Files.writeString(dir.resolve("route"), """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
        eth0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
        """);
    var check = SiteChecks.gateway(routes);
    assertEquals(SiteChecks.Status.OK, check.status());
    assertEquals("default route via 10.0.2.1 on eth0", check.detail());
  }

  @Test
  void noDefaultRouteFailsWithAHint() throws Exception {
    Path routes = Files.writeString(dir.resolve("route"), """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
        """);
    assertEquals(SiteChecks.Status.FAIL, SiteChecks.gateway(routes).status());
    assertEquals(SiteChecks.Status.WARN, SiteChecks.gateway(dir.resolve("missing")).status());
  }

  @Test
  void supportAccessIsOffOnANewInstallAndKeepsWhatTheAdminSaid() {
    assertEquals(SupportAccess.State.OFF, SupportAccess.load(dir));
    SupportAccess.save(dir, new SupportAccess.State(false, true));
    assertEquals(new SupportAccess.State(false, true), SupportAccess.load(dir));
    assertEquals("off, turns on when the cloud is reachable", SupportAccess.load(dir).describe());
  }
}
