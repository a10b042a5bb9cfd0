package dev.outpost.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.hub.HubConfig;
import dev.outpost.hub.SensorHub;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code outpost hub install [--connector HOST:PORT] [--token TOKEN]}: sets this machine up as a
 * hub service. With the site's hub token the hub enrols through its connector during the install
 * (so a wrong token or an unreachable connector fails the install); without one it asks at its
 * first start and waits for an admin's approval.
 */
@Command(name = "install", mixinStandardHelpOptions = true,
    description = "Installs the hub as a systemd service (as root): creates the system user, the data folder and "
        + "/etc/outpost/hub.json, enrols through the connector with the site's hub token (if given), writes "
        + "outpost-hub.service and, where systemd runs, enables and starts it. Running it again on an enrolled "
        + "machine does not enrol again.")
final class HubInstallCommand implements Callable<Integer> {
  @Option(names = "--connector", paramLabel = "HOST:PORT",
      description = "The connector's LAN gateway (default: found on the LAN by UPnP; give it where multicast does not cross).")
  String connector;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "The site's hub enrolment token: the hub is approved at once. Without it an admin approves it in the cloud.")
  String token;

  @Option(names = "--name", paramLabel = "NAME", description = "The hub's name in the cloud (default: the host name).")
  String name;

  @Option(names = "--enrol-timeout", paramLabel = "SECONDS", defaultValue = "60",
      description = "How long to wait for the enrolment through the connector (default: ${DEFAULT-VALUE}).")
  int enrolTimeout;

  @Option(names = "--exec", paramLabel = "COMMAND",
      description = "The command the unit runs outpost with (default: /usr/bin/outpost, else java -jar THIS_JAR).")
  String exec;

  @Mixin
  ServiceLayout.Options where;

  @Override
  public Integer call() {
    if (token != null) {
      ServiceInstall.requireTokenForm(token);
    }
    if (connector != null) {
      try {
        int port = new HubConfig(Path.of("."), "hub", connector, null, null).connectorPort();
        if (port < 1 || port > 65_535) {
          throw new IllegalArgumentException("the port must be 1 to 65535");
        }
      } catch (IllegalArgumentException e) {
        throw new UserError("--connector must be HOST or HOST:PORT, not " + connector + " (" + e.getMessage() + ")");
      }
    }
    if (enrolTimeout < 1) {
      throw new UserError("--enrol-timeout must be at least 1 second");
    }
    ServiceLayout layout = where.layout("hub");
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    config.put("dataDir", layout.dataDir().toString());
    if (name != null) {
      config.put("name", name);
    }
    if (connector != null) {
      config.put("connector", connector);
    }
    new ServiceInstall(layout, HubConfig.class, exec != null ? exec : Launcher.current(), !where.noStart, System.out)
        .install(config, token == null ? null : this::enrol);
    return 0;
  }

  /** Runs the hub in this process until it holds its certificate, then stops it. */
  private String enrol(Path configFile) {
    HubConfig read = ConfigFiles.read(configFile, HubConfig.class);
    HubConfig hubConfig = new HubConfig(read.dataDir(), read.name(), read.connector(), read.outbox(), read.link(), token,
        read.discovery(), read.fallback());
    Vertx vertx = Vertx.vertx();
    try {
      SensorHub hub = LocalSite.await(SensorHub.start(vertx, hubConfig));
      try {
        long deadline = System.nanoTime() + Duration.ofSeconds(enrolTimeout).toNanos();
        while (!hub.enrolled()) {
          if (System.nanoTime() > deadline) {
            throw new UserError("the hub was not enrolled within " + enrolTimeout + " s: is the connector "
                + (connector != null ? "at " + connector : "on this LAN (UPnP)") + " running, and is the token the site's hub token?");
          }
          LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        return "enrolled as " + hub.machine().name() + " (" + hub.machine().uid() + ")";
      } finally {
        LocalSite.await(hub.stop());
      }
    } finally {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        System.err.println("outpost: the enrolment's Vert.x did not stop within 10 s");
      }
    }
  }
}
