package dev.outpost.cli;

import dev.outpost.hub.HubConfig;
import dev.outpost.hub.SensorHub;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost hub --config FILE}: a sensor hub. */
@Command(name = "hub", mixinStandardHelpOptions = true,
    description = "Runs a sensor hub (sensors, durable outbox, link to its connector) from a JSON config file.")
final class HubCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The hub's config file (JSON).")
  Path config;

  @Override
  public Integer call() {
    HubConfig hubConfig = ConfigFiles.read(config, HubConfig.class);
    return RoleRunner.run("hub", config, hubConfig.dataDir(), vertx -> SensorHub.start(vertx, hubConfig), SensorHub::stop,
        RoleMetrics::hub);
  }
}
