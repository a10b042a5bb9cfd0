package dev.outpost.cli;

import dev.outpost.firewall.FirewallGuides;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost firewall-docs}: regenerates the firewall guides from the defaults. */
@Command(name = "firewall-docs", mixinStandardHelpOptions = true,
    description = "Writes the firewall guides for admins (external, internal, segmented networks) from the real defaults.")
final class FirewallDocsCommand implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "docs/firewall", paramLabel = "DIR",
      description = "Folder to write the guides to (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() {
    for (Path written : FirewallGuides.writeAll(out)) {
      System.out.println("wrote " + written);
    }
    return 0;
  }
}
