package dev.outpost.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code outpost connector|hub uninstall [--purge]}: the role's service goes; its data stays unless asked. */
@Command(name = "uninstall", mixinStandardHelpOptions = true,
    description = "Stops, disables and removes the systemd service of this role (as root). "
        + "The data folder (identity, outbox) and the config file stay unless --purge.")
final class UninstallCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ServiceLayout.Options where;

  @Option(names = "--purge", description = "Also remove the data folder, the config file and (if no other Outpost service is left) the service user.")
  boolean purge;

  @Override
  public Integer call() {
    String role = spec.parent().name();
    new ServiceUninstall(where.layout(role), !where.noStart, System.out).uninstall(purge);
    return 0;
  }
}
