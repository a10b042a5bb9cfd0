package dev.outpost.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code outpost bench …}: the benchmarks behind the figures in DESIGN.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks on this machine, loopback only. Each prints its figure as its last line.",
    subcommands = {IngestBench.class, OutboxBench.class, DiscoveryBench.class, RelayBench.class})
final class BenchCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
