package dev.outpost.cli;

import dev.outpost.cloud.CloudCollector;
import dev.outpost.cloud.CloudConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost cloud --config FILE}: the cloud collector. */
@Command(name = "cloud", mixinStandardHelpOptions = true,
    description = "Runs the cloud collector (ingest, store, REST API, dashboard) from a JSON config file.")
final class CloudCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The cloud's config file (JSON).")
  Path config;

  @Override
  public Integer call() {
    CloudConfig cloudConfig = ConfigFiles.read(config, CloudConfig.class);
    return RoleRunner.run("cloud", config, cloudConfig.dataDir(), vertx -> CloudCollector.start(vertx, cloudConfig),
        CloudCollector::stop, null);
  }
}
