package dev.outpost.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where an installed role lives on a Linux machine: its service user, data folder, config file and
 * systemd unit. The defaults are what the .deb's units name ({@code dist/src/deb/units}).
 *
 * @param role     {@code connector} or {@code hub}
 * @param user     the system user the service runs as
 * @param dataDir  the machine's data folder (identity, outbox), 0700 and owned by {@code user}
 * @param configDir where the config file {@code ROLE.json} goes
 * @param unitDir  where the unit file {@code outpost-ROLE.service} goes
 */
record ServiceLayout(String role, String user, Path dataDir, Path configDir, Path unitDir) {
  static final String DEFAULT_USER = "outpost";
  static final Path DATA_ROOT = Path.of("/var/lib/outpost");
  static final Path DEFAULT_CONFIG_DIR = Path.of("/etc/outpost");
  /** Where systemd looks for units an admin installed; only here does the install run systemctl. */
  static final Path SYSTEM_UNIT_DIR = Path.of("/etc/systemd/system");

  ServiceLayout {
    dataDir = dataDir.toAbsolutePath().normalize();
    configDir = configDir.toAbsolutePath().normalize();
    unitDir = unitDir.toAbsolutePath().normalize();
  }

  /** {@code outpost-ROLE.service}. */
  String unitName() {
    return unitName(role);
  }

  static String unitName(String role) {
    return "outpost-" + role + ".service";
  }

  Path unitFile() {
    return unitDir.resolve(unitName());
  }

  Path configFile() {
    return configDir.resolve(role + ".json");
  }

  /** Whether the unit goes where systemd looks, so that systemctl may be told about it. */
  boolean systemUnitDir() {
    return unitDir.equals(SYSTEM_UNIT_DIR);
  }

  /** The options that move a service's files (for tests and unusual layouts); a picocli mixin. */
  static final class Options {
    @Option(names = "--user", paramLabel = "NAME", description = "The service's system user (default: ${DEFAULT-VALUE}).",
        defaultValue = DEFAULT_USER)
    String user;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The data folder (default: /var/lib/outpost/ROLE).")
    Path dataDir;

    @Option(names = "--config-dir", paramLabel = "DIR", description = "Where ROLE.json goes (default: ${DEFAULT-VALUE}).",
        defaultValue = "/etc/outpost")
    Path configDir;

    @Option(names = "--unit-dir", paramLabel = "DIR",
        description = "Where outpost-ROLE.service goes (default: ${DEFAULT-VALUE}; systemctl is run only for this one).",
        defaultValue = "/etc/systemd/system")
    Path unitDir;

    @Option(names = "--no-start", description = "Do not run systemctl (no enable, start, stop or disable).")
    boolean noStart;

    ServiceLayout layout(String role) {
      if (!user.matches("[a-z_][a-z0-9_-]{0,31}")) {
        throw new UserError("--user must be a system user name (lower case letters, digits, _ and -), not " + user);
      }
      if (user.equals("root")) {
        throw new UserError("--user root: the service must run as a user of its own, not as root");
      }
      return new ServiceLayout(role, user, dataDir != null ? dataDir : DATA_ROOT.resolve(role), configDir, unitDir);
    }
  }
}
