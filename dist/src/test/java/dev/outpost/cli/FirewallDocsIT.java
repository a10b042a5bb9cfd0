package dev.outpost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outpost firewall-docs --config FILE} with the real jar, for a connector's and a hub's own config file. */
class FirewallDocsIT {
  @TempDir
  Path dir;

  @Test
  void aConnectorsSheetFollowsItsPortsAndProxy() throws Exception {
    Path config = Files.writeString(dir.resolve("connector.json"), """
        {"dataDir": "%s", "name": "site-a", "lanHost": "192.168.1.10", "lanPort": 8443,
         "cloud": {"endpoints": ["cloud.example.net"], "ports": [5935, 8080],
                   "proxy": {"host": "proxy.lan", "port": 3128, "user": "outpost", "password": "hunter2-secret"}}}
        """.formatted(dir.resolve("data")));

    var run = outpost("firewall-docs", "--config", config.toString());

    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().startsWith("# Firewall rules for connector site-a"), run.out());
    assertTrue(run.out().contains("| this connector | proxy proxy.lan | TCP 3128 (HTTP CONNECT, user outpost) |"), run.out());
    assertTrue(run.out().contains("CONNECT to cloud.example.net:5935, then cloud.example.net:8080 (TLS, tried in this order)"), run.out());
    assertTrue(run.out().contains("TCP 8443 (TLS) | the LAN gateway"), run.out());
    assertFalse(run.out().contains("hunter2"), "never the password");
    assertFalse(Files.exists(dir.resolve("docs")), "the guides are not written with --config");
  }

  @Test
  void aHubsSheetNamesItsConnector() throws Exception {
    Path config = Files.writeString(dir.resolve("hub.json"), """
        {"dataDir": "%s", "name": "fileserver", "connector": "connector.lan:9443", "fallback": {"allowed": false}}
        """.formatted(dir.resolve("data")));

    var run = outpost("firewall-docs", "--config", config.toString());

    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("| this hub | connector connector.lan | TCP 9443 (TLS) | its data path |"), run.out());
    assertTrue(run.out().contains("Fallback: not allowed"), run.out());
  }

  @Test
  void aBadConfigFileIsAUsageError() throws Exception {
    Path config = Files.writeString(dir.resolve("bad.json"), "{\"cloud\": {\"endpoints\": []}, \"dataDir\": \"/x\"}");
    var run = outpost("firewall-docs", "--config", config.toString());
    assertEquals(2, run.exit());
    assertTrue(run.err().contains("endpoints"), run.err());
    assertTrue(run.out().isEmpty());
  }

  record Run(int exit, String out, String err) {
  }

  private static Run outpost(String... args) throws Exception {
    var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target", "outpost.jar").toString()));
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command).start();
    process.getOutputStream().close();
    var out = process.getInputStream().readAllBytes();
    var err = process.getErrorStream().readAllBytes();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }
}
