package dev.outpost.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.connector.ConnectorConfig;
import dev.outpost.firewall.FirewallGuides;
import dev.outpost.firewall.SiteSheet;
import dev.outpost.hub.HubConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outpost firewall-docs}: regenerates the firewall guides from the defaults; with
 * {@code --config FILE}, prints the rules for one connector's or hub's actual configuration.
 */
@Command(name = "firewall-docs", mixinStandardHelpOptions = true,
    description = {"Writes the firewall guides for admins (external, internal, segmented networks) from the real defaults;",
        "with --config, prints the rules for one connector's or hub's config file instead (its endpoints, ports, proxy,",
        "LAN gateway, discovery and fallback)."})
final class FirewallDocsCommand implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "docs/firewall", paramLabel = "DIR",
      description = "Folder to write the guides to (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--config", paramLabel = "FILE",
      description = "A connector's or hub's config file (JSON): print its own rules (Markdown) to standard output.")
  Path config;

  @Override
  public Integer call() {
    if (config != null) {
      System.out.print(isConnector(config)
          ? SiteSheet.forConnector(ConfigFiles.read(config, ConnectorConfig.class))
          : SiteSheet.forHub(ConfigFiles.read(config, HubConfig.class)));
      return 0;
    }
    for (Path written : FirewallGuides.writeAll(out)) {
      System.out.println("wrote " + written);
    }
    return 0;
  }

  /** A connector's config has {@code cloud}; a hub's has not (its way to the cloud is its connector). */
  private static boolean isConnector(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new UserError("config file " + file + " does not exist");
    }
    try {
      return new ObjectMapper().readTree(file.toFile()).has("cloud");
    } catch (IOException e) {
      throw new UserError("config file " + file + " is not JSON: " + e.getMessage());
    }
  }
}
