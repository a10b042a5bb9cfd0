package dev.outpost.cli;

import picocli.CommandLine;

/**
 * Turns what goes wrong when a command runs into one clear line and an exit code, not a stack
 * trace: {@link UserError} (bad config, port taken, …) exits with {@link Main#USAGE}; anything else
 * exits with 1 and prints its stack trace only with {@code OUTPOST_DEBUG=1}.
 */
final class Failures implements CommandLine.IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    var err = commandLine.getErr();
    if (e instanceof UserError) {
      err.println("outpost: " + e.getMessage());
      return Main.USAGE;
    }
    err.println("outpost: " + e);
    if ("1".equals(System.getenv("OUTPOST_DEBUG"))) {
      e.printStackTrace(err);
    }
    return 1;
  }
}
