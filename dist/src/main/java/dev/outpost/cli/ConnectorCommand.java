package dev.outpost.cli;

import dev.outpost.connector.Connector;
import dev.outpost.connector.ConnectorConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost connector --config FILE}: a site's connector. */
@Command(name = "connector", mixinStandardHelpOptions = true,
    description = "Runs a site connector (its own sensors, the LAN gateway for hubs, the uplink to the cloud) from a JSON config file.")
final class ConnectorCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The connector's config file (JSON).")
  Path config;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "One-time enrolment token made in the cloud for this connector; needed on the first start only.")
  String token;

  @Override
  public Integer call() {
    ConnectorConfig connectorConfig = ConfigFiles.read(config, ConnectorConfig.class);
    if (token != null) {
      connectorConfig = connectorConfig.withToken(token);
    }
    var finalConfig = connectorConfig;
    return RoleRunner.run("connector", vertx -> Connector.start(vertx, finalConfig), Connector::stop);
  }
}
