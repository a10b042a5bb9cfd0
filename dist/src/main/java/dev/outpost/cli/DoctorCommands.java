package dev.outpost.cli;

import dev.outpost.connector.ConnectorConfig;
import dev.outpost.connector.ConnectorDoctor;
import dev.outpost.hub.HubConfig;
import dev.outpost.hub.doctor.DoctorReport;
import dev.outpost.hub.doctor.HubDoctor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outpost connector doctor} and {@code outpost hub doctor}: run the machine's checks and
 * print them, one line each or as JSON; exit code 0 when nothing failed, 1 otherwise.
 */
final class DoctorCommands {
  private DoctorCommands() {
  }

  /** The options both share. */
  abstract static class Base implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The machine's config file (JSON).")
    Path config;

    @Option(names = "--json", description = "Print the checks as a JSON array of {name, status, detail, hint}.")
    boolean json;

    abstract DoctorReport run();

    @Override
    public Integer call() {
      var report = run();
      System.out.print(json ? report.toJson() : report.toText());
      return report.exitCode();
    }
  }

  @Command(name = "doctor", mixinStandardHelpOptions = true,
      description = {"Checks why this connector does (not) connect, one line each with OK, WARN or FAIL and a hint: "
          + "default gateway, DNS, proxy, each cloud endpoint and port in order, TLS, clock, identity, revocation, "
          + "multicast on the LAN interfaces, outbox.",
          "Exit code 0 when nothing failed, 1 otherwise. See docs/doctor.md."})
  static final class Connector extends Base {
    @Override
    DoctorReport run() {
      return ConnectorDoctor.run(ConfigFiles.read(config, ConnectorConfig.class));
    }
  }

  @Command(name = "doctor", mixinStandardHelpOptions = true,
      description = {"Checks why this hub does (not) connect, one line each with OK, WARN or FAIL and a hint: "
          + "identity, outbox, multicast (when it finds its connector by UPnP), the connector (TLS on the LAN), "
          + "and its own way to the cloud when the fallback is allowed.",
          "Exit code 0 when nothing failed, 1 otherwise. See docs/doctor.md."})
  static final class Hub extends Base {
    @Override
    DoctorReport run() {
      return HubDoctor.run(ConfigFiles.read(config, HubConfig.class));
    }
  }
}
