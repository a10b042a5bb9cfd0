package dev.outpost.cli;

import static dev.outpost.cli.ServiceTesting.mode;
import static dev.outpost.cli.ServiceTesting.owner;
import static dev.outpost.cli.ServiceTesting.run;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.crypto.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .deb on this machine: {@code dpkg -i}, the files, the user, the units ({@code systemd-analyze
 * verify}), a connector installed with the packaged launcher, enrolled at a cloud on loopback and
 * running as the service user, then {@code dpkg -P}, which must leave the machine as it was. Root
 * only; skipped where Outpost is installed already (the test would replace it). Whatever fails,
 * the finally block purges the package and removes what it made.
 */
class DebPackageIT {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static final List<Path> MADE = List.of(Path.of("/usr/share/outpost"), Path.of("/usr/bin/outpost"),
      Path.of("/lib/systemd/system/outpost-connector.service"), Path.of("/lib/systemd/system/outpost-hub.service"),
      Path.of("/var/lib/outpost"), Path.of("/etc/outpost"), Path.of("/etc/systemd/system/outpost-connector.service"),
      Path.of("/etc/systemd/system/outpost-hub.service"), Path.of("/usr/share/doc/outpost"));

  @TempDir
  Path root;

  @Test
  void theDebInstallsAConnectorServiceAndPurgeRemovesEverything() throws Exception {
    assumeTrue(ServiceTesting.root(), "skipped: dpkg -i needs root");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg")), "skipped: no dpkg here (not a Debian system)");
    assumeTrue(run(List.of("dpkg-query", "-W", "outpost")).exit() != 0,
        "skipped: the package outpost is installed on this machine; the test would replace and purge it");
    assumeTrue(!ServiceTesting.userExists("outpost"), "skipped: a user outpost exists; the test would remove it");
    for (Path path : MADE) {
      assumeTrue(!Files.exists(path), "skipped: " + path + " exists; the test would remove it");
    }
    // dpkg -i installs no dependencies: the package's Depends (a Java 17 runtime, adduser) must be here
    assumeTrue(run(List.of("dpkg-query", "-W", "adduser")).exit() == 0, "skipped: the Debian package adduser is missing");
    boolean runtime = false;
    for (String name : List.of("default-jre-headless", "openjdk-17-jre-headless", "java17-runtime-headless")) {
      runtime |= run(List.of("dpkg-query", "-W", "-f=${Status}", name)).both().contains("install ok installed");
    }
    assumeTrue(runtime, "skipped: no Debian Java 17 runtime package (openjdk-17-jre-headless) is installed, which the .deb depends on");
    Path deb = deb();

    var site = LocalSite.start(root.resolve("site"), 0, 0);
    try {
      var installed = dpkg("-i", deb.toString());
      assertEquals(0, installed.exit(), installed.both());

      // Files, launcher and user.
      assertTrue(Files.isRegularFile(Path.of("/usr/share/outpost/outpost.jar")));
      assertTrue(Files.isExecutable(Path.of("/usr/bin/outpost")));
      assertTrue(Files.isRegularFile(Path.of("/usr/share/doc/outpost/install.md")));
      var version = run(List.of("/usr/bin/outpost", "--version"));
      assertEquals(0, version.exit(), version.both());
      assertTrue(version.out().startsWith("outpost "), version.out());
      var account = run(List.of("getent", "passwd", "outpost"));
      assertEquals(0, account.exit(), "postinst made the user outpost");
      assertTrue(account.out().strip().endsWith(":/usr/sbin/nologin"), account.out());

      // The packaged units are the ones `install` writes with its defaults, and systemd accepts them.
      var units = new ArrayList<Path>();
      for (String role : List.of("connector", "hub")) {
        Path unit = Path.of("/lib/systemd/system", ServiceLayout.unitName(role));
        var defaults = new ServiceLayout(role, ServiceLayout.DEFAULT_USER, ServiceLayout.DATA_ROOT.resolve(role),
            ServiceLayout.DEFAULT_CONFIG_DIR, ServiceLayout.SYSTEM_UNIT_DIR);
        assertEquals(SystemdUnit.render(defaults, "/usr/bin/outpost"), Files.readString(unit), unit.toString());
        units.add(unit);
      }
      if (ServiceTesting.systemdAnalyze() != null) {
        var verified = ServiceTesting.verify(units.toArray(Path[]::new));
        assertEquals(0, verified.exit(), verified.both());
        assertEquals("", verified.both().strip(), "systemd-analyze verify has no complaint");
      } else {
        System.out.println("systemd-analyze verify skipped: systemd-analyze is not installed");
      }

      // The connector, installed as the docs say, with the packaged launcher and every default.
      var admin = site.admin();
      String token = admin.enrolmentToken(admin.site("branch"), "connector");
      var command = new ArrayList<>(List.of("/usr/bin/outpost", "connector", "install",
          "--cloud", "https://127.0.0.1:" + site.cloud().port(), "--token", token));
      if (Systemd.running()) {
        command.add("--no-start"); // on a machine booted with systemd the test must not start a real service
      }
      var connector = run(command);
      assertEquals(0, connector.exit(), connector.both());
      Path data = Path.of("/var/lib/outpost/connector");
      assertTrue(TlsFiles.inFolder(data).hasIdentity());
      assertEquals("outpost:outpost", owner(data));
      assertEquals("rwx------", mode(data));
      assertEquals("rw-------", mode(data.resolve(TlsFiles.KEY_FILE)));
      assertEquals("root:outpost", owner(Path.of("/etc/outpost/connector.json")));
      assertTrue(Files.readString(Path.of("/etc/systemd/system/outpost-connector.service")).contains("ExecStart=/usr/bin/outpost connector"));
      if (!Systemd.running()) {
        assertTrue(connector.out().contains("installed but not started: systemd is not running"), connector.out());
      }

      // Installing the package again (an upgrade) keeps the installed connector as it is.
      byte[] certificate = Files.readAllBytes(data.resolve(TlsFiles.CERTIFICATE_FILE));
      var again = dpkg("-i", deb.toString());
      assertEquals(0, again.exit(), again.both());
      assertEquals(new String(certificate), Files.readString(data.resolve(TlsFiles.CERTIFICATE_FILE)));
      assertEquals("outpost:outpost", owner(data));
      assertEquals("root:outpost", owner(Path.of("/etc/outpost/connector.json")));

      // It runs as the service user, with what install left it: the foreground command the install
      // prints where systemd does not run. Kept on loopback: LAN gateway and UPnP on lo only.
      Path config = Path.of("/etc/outpost/connector.json");
      var json = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(config.toFile());
      json.put("lanHost", "127.0.0.1").put("lanPort", 0).putObject("discovery").put("ttl", 1).putArray("interfaces").add("lo");
      Files.writeString(config, json.toString());
      String uid = JSON.readTree(data.resolve("machine.json").toFile()).get("uid").asText();
      Path log = root.resolve("connector.log");
      var service = new ProcessBuilder("/usr/sbin/runuser", "-u", "outpost", "--", "/usr/bin/outpost", "connector",
          "--config", config.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> admin.machine(uid).path("online").asBoolean());
        assertEquals("outpost:outpost", owner(data.resolve(dev.outpost.connector.Connector.OUTBOX_FILE)),
            "the service user writes its outbox");
      } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError(e.getMessage() + "\nthe connector's output:\n" + Files.readString(log), e);
      } finally {
        service.destroy();
        assertTrue(service.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the connector stops on SIGTERM");
      }

      var purged = dpkg("-P", "outpost");
      assertEquals(0, purged.exit(), purged.both());
      for (Path path : MADE) {
        assertFalse(Files.exists(path), path + " is gone after dpkg -P");
      }
      assertFalse(ServiceTesting.userExists("outpost"), "the user is gone after dpkg -P");
      assertTrue(run(List.of("getent", "group", "outpost")).exit() != 0, "the group is gone after dpkg -P");
    } finally {
      site.stop();
      cleanUp();
    }
  }

  /** The newest .deb the build made. */
  private static Path deb() throws Exception {
    try (var files = Files.list(Path.of("target"))) {
      return files.filter(f -> f.getFileName().toString().matches("outpost_.*_all\\.deb"))
          .max(Comparator.comparing(f -> f.toFile().lastModified()))
          .orElseThrow(() -> new AssertionError("no target/outpost_*_all.deb: the package phase builds it"));
    }
  }

  /** dpkg, waiting while another process (apt) holds its lock. */
  private static ServiceTesting.Run dpkg(String... args) {
    var command = new ArrayList<>(List.of("dpkg"));
    command.addAll(List.of(args));
    var result = new AtomicReference<ServiceTesting.Run>();
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).until(() -> {
      result.set(run(command));
      return result.get().exit() == 0 || !result.get().both().contains("lock");
    });
    return result.get();
  }

  /** Leaves the machine as it was, whatever happened above. */
  private static void cleanUp() throws Exception {
    if (run(List.of("dpkg-query", "-W", "outpost")).exit() == 0) {
      dpkg("-P", "outpost");
    }
    for (Path path : MADE) {
      ServiceInstall.deleteTree(path);
    }
    Files.deleteIfExists(Path.of("/etc/systemd/system/multi-user.target.wants/outpost-connector.service"));
    Files.deleteIfExists(Path.of("/etc/systemd/system/multi-user.target.wants/outpost-hub.service"));
    ServiceTesting.removeUser("outpost");
    if (run(List.of("getent", "group", "outpost")).exit() == 0) {
      run(List.of("groupdel", "outpost"));
    }
  }
}
