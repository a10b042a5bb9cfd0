package dev.outpost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.protocol.EnrolmentToken;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outpost token create} as an admin runs it: the real jar, the password from the environment. */
class TokenCommandIT {
  @TempDir
  Path root;

  record Run(int exit, String out, String err) {
  }

  private Run outpost(String password, String... args) throws Exception {
    var command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target", "outpost.jar").toString()));
    command.addAll(List.of(args));
    var builder = new ProcessBuilder(command);
    builder.environment().put("OUTPOST_PASSWORD", password);
    var process = builder.start();
    process.getOutputStream().close();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "outpost token create finished");
    return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void anAdminGetsATokenThatPinsTheOrganisationsCa() throws Exception {
    var site = LocalSite.start(root, 0, 0);
    try {
      String cloud = "https://127.0.0.1:" + site.cloud().port();
      String ca = root.resolve("cloud/ca.pem").toString();
      var run = outpost(site.password(), "token", "create", "--cloud", cloud, "--organisation", LocalSite.ORGANISATION,
          "--user", LocalSite.ADMIN, "--site", "branch office", "--role", "connector", "--ca", ca);
      assertEquals(0, run.exit(), run.err());
      var token = EnrolmentToken.parse(run.out().strip());
      assertEquals(MachineKeys.pin(Pem.readCertificates(Path.of(ca)).get(0).getPublicKey()), token.caPin());
      assertTrue(site.admin().site("branch office") > 0, "the site was made");

      var wrong = outpost("not the password", "token", "create", "--cloud", cloud, "--organisation", LocalSite.ORGANISATION,
          "--user", LocalSite.ADMIN, "--site", "x", "--role", "hub", "--ca", ca);
      assertEquals(2, wrong.exit());
      assertTrue(wrong.err().contains("401"), wrong.err());
      assertTrue(wrong.out().isEmpty());

      var badRole = outpost(site.password(), "token", "create", "--cloud", cloud, "--organisation", "o", "--user", "u",
          "--site", "x", "--role", "boss");
      assertEquals(2, badRole.exit());
      assertTrue(badRole.err().contains("--role must be connector, hub or relay"), badRole.err());
    } finally {
      site.stop();
    }
  }
}
