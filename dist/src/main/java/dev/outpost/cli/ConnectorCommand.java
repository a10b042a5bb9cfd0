package dev.outpost.cli;

import dev.outpost.connector.Connector;
import dev.outpost.connector.ConnectorConfig;
import dev.outpost.connector.ConnectorDoctor;
import dev.outpost.connector.SupportAccess;
import dev.outpost.hub.doctor.Check;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code outpost connector --config FILE}: a site's connector; {@code support} turns vendor support access on and off;
 * {@code doctor} checks its links; {@code install}/{@code uninstall} set it up as a systemd service.
 */
@Command(name = "connector", mixinStandardHelpOptions = true,
    description = "Runs a site connector (its own sensors, the LAN gateway for hubs, the uplink to the cloud) from a JSON config file.",
    subcommands = {ConnectorCommand.Support.class, DoctorCommands.Connector.class, ConnectorInstallCommand.class,
        UninstallCommand.class})
final class ConnectorCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "The connector's config file (JSON). Required to run it.")
  Path config;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "One-time enrolment token made in the cloud for this connector; needed on the first start only.")
  String token;

  @Override
  public Integer call() {
    if (config == null) {
      throw new UserError("--config FILE is required to run a connector (see outpost connector --help)");
    }
    ConnectorConfig connectorConfig = ConfigFiles.read(config, ConnectorConfig.class);
    if (token != null) {
      connectorConfig = connectorConfig.withToken(token);
    }
    var finalConfig = connectorConfig;
    return RoleRunner.run("connector", config, finalConfig.dataDir(), vertx -> Connector.start(vertx, finalConfig),
        Connector::stop, RoleMetrics::connector);
  }

  /** {@code outpost connector support on|off|status}: the site admin's switch for vendor support access. */
  @Command(name = "support", mixinStandardHelpOptions = true,
      description = {
          "Turns the vendor's support access to this site on or off, or shows it (off on every new install).",
          "A running connector picks the change up within a second; off ends running support sessions at once.",
          "status also checks what support needs: a default gateway, DNS for the cloud, the cloud reachable."})
  static final class Support implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "on|off|status", description = "What to do.")
    String action;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The connector's config file (JSON).")
    Path config;

    @Option(names = "--when-possible", description = "With on: turn on as soon as the connector reaches the cloud.")
    boolean whenPossible;

    @Override
    public Integer call() {
      ConnectorConfig connectorConfig = ConfigFiles.read(config, ConnectorConfig.class);
      Path dataDir = connectorConfig.dataDir();
      switch (action) {
        case "on" -> {
          SupportAccess.save(dataDir, new SupportAccess.State(!whenPossible, whenPossible));
          System.out.println("support access: " + SupportAccess.load(dataDir).describe());
        }
        case "off" -> {
          if (whenPossible) {
            throw new UserError("--when-possible goes with on, not off");
          }
          SupportAccess.save(dataDir, SupportAccess.State.OFF);
          System.out.println("support access: off (running support sessions end within a second)");
        }
        case "status" -> {
          System.out.println("support access: " + SupportAccess.load(dataDir).describe());
          boolean ok = true;
          for (var check : ConnectorDoctor.forSupport(connectorConfig)) {
            System.out.println(check.toText());
            ok &= check.status() != Check.Status.FAIL;
          }
          return ok ? 0 : 1;
        }
        default -> throw new UserError("support takes on, off or status, not " + action);
      }
      return 0;
    }
  }
}
