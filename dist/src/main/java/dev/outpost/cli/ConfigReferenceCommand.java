package dev.outpost.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost config-reference}: writes the configuration reference from the config records. */
@Command(name = "config-reference", mixinStandardHelpOptions = true,
    description = "Writes the configuration reference (every key of every role's config file, its default, its meaning).")
final class ConfigReferenceCommand implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "docs/configuration.md", paramLabel = "FILE",
      description = "File to write (default: ${DEFAULT-VALUE}); - prints it.")
  Path out;

  @Override
  public Integer call() throws IOException {
    String reference = ConfigReference.render();
    if (out.toString().equals("-")) {
      System.out.print(reference);
      return 0;
    }
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, reference, StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
    return 0;
  }
}
