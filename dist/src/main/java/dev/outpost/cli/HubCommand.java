package dev.outpost.cli;

import dev.outpost.hub.HubConfig;
import dev.outpost.hub.SensorHub;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outpost hub --config FILE}: a sensor hub; {@code doctor} checks its links; {@code install}/{@code uninstall} set it up as a systemd
 * service, {@code windows-service} prints its Windows service definition.
 */
@Command(name = "hub", mixinStandardHelpOptions = true,
    description = "Runs a sensor hub (sensors, durable outbox, link to its connector) from a JSON config file.",
    subcommands = {DoctorCommands.Hub.class, HubInstallCommand.class, UninstallCommand.class,
        HubWindowsServiceCommand.class})
final class HubCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "The hub's config file (JSON). Required to run it.")
  Path config;

  @Override
  public Integer call() {
    if (config == null) {
      throw new UserError("--config FILE is required to run a hub (see outpost hub --help)");
    }
    HubConfig hubConfig = ConfigFiles.read(config, HubConfig.class);
    return RoleRunner.run("hub", config, hubConfig.dataDir(), vertx -> SensorHub.start(vertx, hubConfig), SensorHub::stop,
        RoleMetrics::hub);
  }
}
