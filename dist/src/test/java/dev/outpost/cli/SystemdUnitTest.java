package dev.outpost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unit text both install commands and the .deb use. */
class SystemdUnitTest {
  /** The most exposure {@code systemd-analyze security} may find, in tenths (its threshold's unit). */
  static final int MAX_EXPOSURE_TENTHS = 30;

  @TempDir
  Path dir;

  private static ServiceLayout layout(String role, Path data) {
    return new ServiceLayout(role, "outpost", data, Path.of("/etc/outpost"), ServiceLayout.SYSTEM_UNIT_DIR);
  }

  @Test
  void theUnitRunsTheRoleAsItsUserWithOnlyItsDataFolderWritable() {
    String unit = SystemdUnit.render(layout("hub", Path.of("/srv/outpost hub")), "/usr/bin/outpost");
    List<String> lines = unit.lines().toList();
    for (String line : List.of("User=outpost", "Group=outpost", "ExecStart=/usr/bin/outpost hub --config /etc/outpost/hub.json",
        "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
        "CapabilityBoundingSet=", "AmbientCapabilities=", "ReadWritePaths=\"/srv/outpost hub\"",
        "Wants=network-online.target", "After=network-online.target")) {
      assertTrue(lines.contains(line), "has " + line + ":\n" + unit);
    }
    assertFalse(unit.contains("@unit."), unit);
    assertEquals(1, lines.stream().filter(l -> l.startsWith("ReadWritePaths=")).count());
  }

  @Test
  void pathsSystemdWouldReadOtherwiseAreRefused() {
    assertThrows(UserError.class, () -> SystemdUnit.render(layout("hub", Path.of("/srv/%i")), "/usr/bin/outpost"));
  }

  @Test
  void systemdAnalyzeFindsNothingToComplainAbout() throws Exception {
    assumeTrue(ServiceTesting.systemdAnalyze() != null, "skipped: systemd-analyze is not installed here");
    var units = new java.util.ArrayList<Path>();
    for (String role : List.of("connector", "hub")) {
      // ExecStart must name an executable that exists: the test uses /bin/true for /usr/bin/outpost.
      Path unit = dir.resolve(ServiceLayout.unitName(role));
      Files.writeString(unit, SystemdUnit.render(layout(role, Path.of("/var/lib/outpost", role)), "/bin/true"));
      units.add(unit);
    }
    var verified = ServiceTesting.verify(units.toArray(Path[]::new));
    assertEquals(0, verified.exit(), verified.both());
    assertEquals("", verified.both().strip());

    // systemd's own rating of the sandbox (0 = locked down, 10 = none): "OK" is below 4.5; the JVM's
    // JIT rules out MemoryDenyWriteExecute, and the sensors need /proc and the network.
    var security = ServiceTesting.run(List.of(ServiceTesting.systemdAnalyze().toString(), "security", "--offline=true",
        "--threshold=" + MAX_EXPOSURE_TENTHS, units.get(0).toString()));
    assumeTrue(!security.err().contains("unrecognized option"), "skipped: this systemd-analyze has no offline security check");
    assertEquals(0, security.exit(), "exposure at most " + MAX_EXPOSURE_TENTHS / 10.0 + ":\n" + security.out());

    // And it would notice a broken unit: the check is not blind.
    Path broken = dir.resolve("outpost-broken.service");
    Files.writeString(broken, Files.readString(units.get(0)).replace("ProtectSystem=strict", "ProtectSystem=sideways"));
    assertFalse(ServiceTesting.verify(broken).both().isBlank());
  }
}
