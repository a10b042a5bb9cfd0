package dev.outpost.cli;

import static dev.outpost.cli.ServiceTesting.mode;
import static dev.outpost.cli.ServiceTesting.outpost;
import static dev.outpost.cli.ServiceTesting.owner;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.crypto.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code outpost connector|hub install} and {@code uninstall} against a real cloud and connector on
 * loopback, with the service's files in temporary folders and a throwaway service user (removed
 * afterwards). They create users and chown files, so they run as root only.
 */
class ServiceInstallIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static LocalSite site;

  @TempDir
  static Path siteRoot;

  @TempDir
  Path root;

  private String user;
  private Path data;
  private Path etc;
  private Path units;

  @BeforeAll
  static void startSite() {
    if (ServiceTesting.root()) {
      site = LocalSite.start(siteRoot, 0, 0);
    }
  }

  @AfterAll
  static void stopSite() {
    if (site != null) {
      site.stop();
    }
  }

  @BeforeEach
  void setUp() {
    assumeTrue(ServiceTesting.root(), "skipped: installing a service needs root (it creates a system user and chowns files)");
    user = ServiceTesting.testUser();
    data = root.resolve("var/lib/outpost/connector");
    etc = root.resolve("etc/outpost");
    units = root.resolve("etc/systemd/system");
  }

  @AfterEach
  void removeTestUser() throws Exception {
    if (user != null) {
      ServiceTesting.removeUser(user);
    }
  }

  private String[] install(String role, String cloudOrConnector, String token, Path dataDir, String... more) {
    var args = new java.util.ArrayList<>(List.of(role, "install"));
    if (role.equals("connector")) {
      args.addAll(List.of("--cloud", cloudOrConnector));
    } else {
      args.addAll(List.of("--connector", cloudOrConnector));
    }
    if (token != null) {
      args.addAll(List.of("--token", token));
    }
    args.addAll(List.of("--user", user, "--data-dir", dataDir.toString(), "--config-dir", etc.toString(),
        "--unit-dir", units.toString(), "--no-start"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private String[] uninstall(String role, Path dataDir, String... more) {
    var args = new java.util.ArrayList<>(List.of(role, "uninstall", "--user", user, "--data-dir", dataDir.toString(),
        "--config-dir", etc.toString(), "--unit-dir", units.toString(), "--no-start"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void connectorInstallEnrolsOnceAndUninstallKeepsItsDataUnlessPurged() throws Exception {
    String cloud = "https://127.0.0.1:" + site.cloud().port();
    var admin = site.admin();
    String token = admin.enrolmentToken(admin.site("branch"), "connector");

    var first = outpost(install("connector", cloud, token, data));
    assertEquals(0, first.exit(), first.both());
    assertTrue(first.out().contains("enrolled as"), first.out());
    assertTrue(first.out().contains("not started (--no-start)"), first.out());
    assertTrue(ServiceTesting.userExists(user), "the service user was made");

    // The identity, owned by the service user; nobody else may read the folder or the key.
    assertTrue(TlsFiles.inFolder(data).hasIdentity());
    assertEquals("rwx------", mode(data));
    assertEquals(user + ":" + user, owner(data));
    assertEquals("rw-------", mode(data.resolve(TlsFiles.KEY_FILE)));
    assertEquals(user + ":" + user, owner(data.resolve(TlsFiles.KEY_FILE)));
    String uid = JSON.readTree(data.resolve("machine.json").toFile()).get("uid").asText();
    assertEquals("approved", admin.state(uid), "the cloud knows the connector as enrolled");

    // The config: readable by the service's group, written by root; no token in it.
    Path config = etc.resolve("connector.json");
    assertEquals("rw-r-----", mode(config));
    assertEquals("root:" + user, owner(config));
    var json = JSON.readTree(config.toFile());
    assertEquals(data.toString(), json.get("dataDir").asText());
    assertEquals("127.0.0.1:" + site.cloud().port(), json.get("cloud").get("endpoints").get(0).asText());
    assertFalse(Files.readString(config).contains(token.substring(0, 10)), "the token is not kept");
    try (var left = Files.list(etc)) {
      assertEquals(List.of(config), left.toList(), "no staging file is left");
    }

    // The unit: own user, restart on failure, hardened, writable only its data folder.
    Path unit = units.resolve("outpost-connector.service");
    String text = Files.readString(unit);
    for (String line : List.of("User=" + user, "Group=" + user, "Restart=on-failure", "NoNewPrivileges=yes",
        "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "ReadWritePaths=" + data,
        "After=network-online.target", "WantedBy=multi-user.target")) {
      assertTrue(text.lines().anyMatch(line::equals), "unit has " + line + ":\n" + text);
    }
    assertTrue(text.lines().anyMatch(l -> l.startsWith("ExecStart=") && l.endsWith(" connector --config " + config)), text);
    assertEquals(1, text.lines().filter(l -> l.startsWith("ReadWritePaths=")).count(), text);
    assertEquals("rw-r--r--", mode(unit));
    if (ServiceTesting.systemdAnalyze() != null) {
      var verified = ServiceTesting.verify(unit);
      assertEquals(0, verified.exit(), verified.both());
      assertEquals("", verified.both().strip(), "systemd-analyze verify has no complaint");
    } else {
      System.out.println("systemd-analyze verify skipped: systemd-analyze is not installed");
    }

    // Again: no second enrolment (the one-time token is spent anyway), the identity is untouched.
    byte[] certificate = Files.readAllBytes(data.resolve(TlsFiles.CERTIFICATE_FILE));
    var second = outpost(install("connector", cloud, token, data));
    assertEquals(0, second.exit(), second.both());
    assertTrue(second.out().contains("not enrolling again"), second.out());
    assertArrayEquals(certificate, Files.readAllBytes(data.resolve(TlsFiles.CERTIFICATE_FILE)));

    var kept = outpost(uninstall("connector", data));
    assertEquals(0, kept.exit(), kept.both());
    assertFalse(Files.exists(unit), "the unit is gone");
    assertTrue(TlsFiles.inFolder(data).hasIdentity(), "the identity stays");
    assertTrue(Files.exists(config), "the config stays");
    assertTrue(ServiceTesting.userExists(user), "the user stays");

    var purged = outpost(uninstall("connector", data, "--purge"));
    assertEquals(0, purged.exit(), purged.both());
    assertFalse(Files.exists(data), "the data folder is gone");
    assertFalse(Files.exists(config), "the config is gone");
    assertFalse(ServiceTesting.userExists(user), "the user is gone");
  }

  @Test
  void aWrongTokenOrAnUnreachableCloudInstallsNothing() throws Exception {
    String cloud = "https://127.0.0.1:" + site.cloud().port();
    var admin = site.admin();
    String token = admin.enrolmentToken(admin.site("branch"), "connector");
    String wrong = (token.charAt(0) == 'A' ? 'B' : 'A') + token.substring(1);

    var refused = outpost(install("connector", cloud, wrong, data));
    assertEquals(Main.USAGE, refused.exit(), refused.both());
    assertTrue(refused.err().contains("nothing was installed"), refused.err());
    assertTrue(refused.err().contains("refused"), refused.err());
    assertNothingInstalled();

    int closed;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    var unreachable = outpost(install("connector", "https://127.0.0.1:" + closed, token, data));
    assertEquals(Main.USAGE, unreachable.exit(), unreachable.both());
    assertTrue(unreachable.err().contains("nothing was installed"), unreachable.err());
    assertNothingInstalled();

    var noToken = outpost("connector", "install", "--cloud", cloud, "--unit-dir", units.toString());
    assertNotEquals(0, noToken.exit());
    assertTrue(noToken.err().contains("--token"), noToken.err());
    var malformed = outpost(install("connector", cloud, "not-a-token", data));
    assertEquals(Main.USAGE, malformed.exit(), malformed.both());
    assertTrue(malformed.err().contains("not an enrolment token"), malformed.err());
    assertNothingInstalled();

    // The right token still works: the failures above spent nothing.
    var works = outpost(install("connector", cloud, token, data));
    assertEquals(0, works.exit(), works.both());
  }

  @Test
  void anotherUserThanRootIsToldToUseSudo() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")), "skipped: runuser is not installed");
    String token = "A".repeat(43) + "." + "B".repeat(43);
    var command = List.of("/usr/sbin/runuser", "-u", "nobody", "--", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target", "outpost.jar").toAbsolutePath().toString(), "connector", "install",
        "--cloud", "https://127.0.0.1:1", "--token", token, "--data-dir", data.toString(), "--config-dir", etc.toString(),
        "--unit-dir", units.toString());
    var refused = ServiceTesting.run(command);
    assumeTrue(!refused.err().contains("Unable to access jarfile"), "skipped: nobody cannot read the jar here");
    assertEquals(Main.USAGE, refused.exit(), refused.both());
    assertTrue(refused.err().contains("connector install must run as root"), refused.err());
    assertNothingInstalled();
  }

  private void assertNothingInstalled() throws Exception {
    assertFalse(Files.exists(data), "no data folder");
    assertFalse(Files.exists(etc), "no config folder");
    assertFalse(Files.exists(units), "no unit");
    assertFalse(ServiceTesting.userExists(user), "no user");
  }

  @Test
  void hubInstallEnrolsThroughTheConnectorWithTheSitesHubToken() throws Exception {
    Path hubData = root.resolve("var/lib/outpost/hub");
    String connector = "127.0.0.1:" + site.connector().lanPort();
    var admin = site.admin();
    String token = admin.enrolmentToken(admin.site(LocalSite.SITE), "hub");

    var installed = outpost(install("hub", connector, token, hubData, "--name", "hub-it", "--enrol-timeout", "30"));
    assertEquals(0, installed.exit(), installed.both());
    assertTrue(installed.out().contains("enrolled as hub-it"), installed.out());
    assertTrue(TlsFiles.inFolder(hubData).hasIdentity());
    assertEquals(user + ":" + user, owner(hubData.resolve(TlsFiles.KEY_FILE)));
    assertEquals("rw-------", mode(hubData.resolve(TlsFiles.KEY_FILE)));
    assertEquals(connector, JSON.readTree(etc.resolve("hub.json").toFile()).get("connector").asText());
    String unit = Files.readString(units.resolve("outpost-hub.service"));
    assertTrue(unit.contains("ReadWritePaths=" + hubData + "\n"), unit);
    assertTrue(unit.lines().anyMatch(l -> l.startsWith("ExecStart=") && l.endsWith(" hub --config " + etc.resolve("hub.json"))), unit);

    var purged = outpost(uninstall("hub", hubData, "--purge"));
    assertEquals(0, purged.exit(), purged.both());
    assertFalse(Files.exists(hubData));
    assertFalse(Files.exists(units.resolve("outpost-hub.service")));
  }

  @Test
  void aHubWithoutTokenIsInstalledToAskForApprovalWhenItStarts() throws Exception {
    Path hubData = root.resolve("var/lib/outpost/hub");
    var installed = ServiceTesting.outpostWithUmask077(install("hub", "192.0.2.1:4443", null, hubData));
    assertEquals(0, installed.exit(), installed.both());
    assertTrue(installed.out().contains("not enrolled yet"), installed.out());
    assertFalse(TlsFiles.inFolder(hubData).hasIdentity());
    assertEquals(user + ":" + user, owner(hubData));
    // Modes as meant, whatever root's umask: the service user reaches its config, systemd its unit.
    assertEquals("rwx------", mode(hubData));
    assertEquals("rwxr-xr-x", mode(hubData.getParent()));
    assertEquals("rwxr-xr-x", mode(etc));
    assertEquals("rw-r-----", mode(etc.resolve("hub.json")));
    assertEquals("rw-r--r--", mode(units.resolve("outpost-hub.service")));
    assertEquals("192.0.2.1:4443", JSON.readTree(etc.resolve("hub.json").toFile()).get("connector").asText());
    assertTrue(Files.exists(units.resolve("outpost-hub.service")));

    Path busy = Files.createDirectories(root.resolve("busy"));
    Files.writeString(busy.resolve("notes.txt"), "not Outpost's");
    var occupied = outpost(install("hub", "192.0.2.1:4443", null, busy));
    assertEquals(Main.USAGE, occupied.exit(), occupied.both());
    assertTrue(occupied.err().contains("is not empty and holds no Outpost machine"), occupied.err());
    assertEquals("root:root", owner(busy.resolve("notes.txt")), "nothing in it was handed over");

    var badAddress = outpost(install("hub", "connector.lan:99999", null, root.resolve("other")));
    assertEquals(Main.USAGE, badAddress.exit(), badAddress.both());
    assertTrue(badAddress.err().contains("--connector must be HOST or HOST:PORT"), badAddress.err());
    assertFalse(Files.exists(root.resolve("other")));
  }

  @Test
  void aHubTokenTheConnectorRefusesInstallsNothing() throws Exception {
    Path hubData = root.resolve("var/lib/outpost/hub");
    var admin = site.admin();
    String token = admin.enrolmentToken(admin.site(LocalSite.SITE), "hub");
    String wrong = (token.charAt(0) == 'A' ? 'B' : 'A') + token.substring(1);
    var refused = outpost(install("hub", "127.0.0.1:" + site.connector().lanPort(), wrong, hubData, "--enrol-timeout", "5"));
    assertEquals(Main.USAGE, refused.exit(), refused.both());
    assertTrue(refused.err().contains("nothing was installed"), refused.err());
    assertFalse(Files.exists(hubData));
    assertFalse(Files.exists(etc));
    assertFalse(Files.exists(units));
  }
}
