package dev.outpost.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code outpost} command: one launcher for every role, the demo and the benchmarks. */
@Command(name = "outpost",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Monitoring and remote access for many customer sites, outbound links only.",
    subcommands = {
        DemoCommand.class,
        CloudCommand.class,
        ConnectorCommand.class,
        HubCommand.class,
        RelayCommand.class,
        FirewallDocsCommand.class,
        ConfigReferenceCommand.class,
        TokenCommand.class,
        SessionCommand.class,
        BenchCommand.class,
        CommandLine.HelpCommand.class,
    })
public final class Main implements Runnable {
  /** Exit code for a usage error or a resource (port, folder) that cannot be used. */
  public static final int USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(new Failures());
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"outpost " + (version == null ? "development build" : version)};
    }
  }
}
