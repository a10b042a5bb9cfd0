package dev.outpost.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Removes an installed role's service: stops and disables it where systemd runs, deletes its unit.
 * The data folder (identity, outbox) and the config file stay, so that installing again needs no new
 * enrolment, unless {@code purge}: then they go too, and the service user once no other Outpost
 * service is left in the unit folder.
 */
final class ServiceUninstall {
  private final ServiceLayout layout;
  private final boolean systemctl;
  private final PrintStream out;

  ServiceUninstall(ServiceLayout layout, boolean systemctl, PrintStream out) {
    this.layout = layout;
    this.systemctl = systemctl;
    this.out = out;
  }

  void uninstall(boolean purge) {
    ServiceUser.requireRoot(layout.role() + " uninstall");
    String name = layout.unitName();
    try {
      if (Files.exists(layout.unitFile())) {
        boolean tellSystemd = systemctl && layout.systemUnitDir() && Systemd.running();
        if (tellSystemd) {
          Systemd.systemctl("disable", "--now", name);
        }
        Files.delete(layout.unitFile());
        if (tellSystemd) {
          Systemd.systemctl("daemon-reload");
        }
        out.println("removed " + layout.unitFile() + (tellSystemd ? " (stopped and disabled)" : ""));
      } else {
        out.println(name + " is not installed in " + layout.unitDir());
      }
      if (!purge) {
        out.println("kept the data folder " + layout.dataDir() + " and " + layout.configFile()
            + " (--purge removes them)");
        return;
      }
      ServiceInstall.deleteTree(layout.dataDir());
      Files.deleteIfExists(layout.configFile());
      out.println("removed the data folder " + layout.dataDir() + " and " + layout.configFile());
      deleteIfEmpty(layout.configDir());
      deleteIfEmpty(layout.dataDir().getParent());
      if (ServiceUser.exists(layout.user()) && !otherServices()) {
        ServiceUser.remove(layout.user());
        out.println("removed the system user " + layout.user());
      }
    } catch (IOException e) {
      throw new UserError(layout.role() + " uninstall failed: " + e.getMessage());
    }
  }

  /** Whether another Outpost service is still installed next to this one (it needs the user). */
  private boolean otherServices() throws IOException {
    if (!Files.isDirectory(layout.unitDir())) {
      return false;
    }
    try (Stream<Path> units = Files.list(layout.unitDir())) {
      return units.map(unit -> unit.getFileName().toString())
          .anyMatch(unit -> unit.startsWith("outpost-") && unit.endsWith(".service") && !unit.equals(layout.unitName()));
    }
  }

  private static void deleteIfEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      if (entries.findAny().isEmpty()) {
        Files.delete(dir);
      }
    } catch (IOException | UncheckedIOException e) {
      // Not there, or not empty: it stays.
    }
  }
}
