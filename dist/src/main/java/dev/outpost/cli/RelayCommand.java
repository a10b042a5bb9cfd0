package dev.outpost.cli;

import dev.outpost.relay.RelayNode;
import dev.outpost.relay.RelayNodeConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost relay --config FILE}: one relay of the remote-session pool. */
@Command(name = "relay", mixinStandardHelpOptions = true,
    description = {
        "Runs a relay of the remote-session pool from a JSON config file: it registers with the access server,",
        "pairs the two ends of each session and pipes their (end-to-end encrypted) bytes."})
final class RelayCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The relay's config file (JSON).")
  Path config;

  @Override
  public Integer call() {
    RelayNodeConfig relayConfig = ConfigFiles.read(config, RelayNodeConfig.class);
    return RoleRunner.run("relay", config, relayConfig.relay().dataDir(), vertx -> RelayNode.start(vertx, relayConfig),
        RelayNode::stop, RoleMetrics::relay);
  }
}
