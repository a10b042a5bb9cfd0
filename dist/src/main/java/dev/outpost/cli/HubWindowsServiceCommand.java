package dev.outpost.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost hub windows-service}: prints (or writes) the WinSW definition that runs a hub as a Windows service. */
@Command(name = "windows-service", mixinStandardHelpOptions = true,
    description = "Prints the service definition for WinSW 2.x that runs this hub as a Windows service "
        + "(save it as outpost-hub.xml next to WinSW renamed to outpost-hub.exe; see docs/install.md). "
        + "%%BASE%% is the folder of outpost-hub.exe.")
final class HubWindowsServiceCommand implements Callable<Integer> {
  @Option(names = "--java", paramLabel = "EXE", description = "The Java 17+ executable (default: ${DEFAULT-VALUE}, found on the PATH).",
      defaultValue = "java")
  String java;

  @Option(names = "--jar", paramLabel = "FILE", description = "outpost.jar (default: ${DEFAULT-VALUE}).",
      defaultValue = "%BASE%\\outpost.jar")
  String jar;

  @Option(names = "--config", paramLabel = "FILE", description = "The hub's config file (default: ${DEFAULT-VALUE}).",
      defaultValue = "%BASE%\\hub.json")
  String config;

  @Option(names = "--log-dir", paramLabel = "DIR", description = "Where the rolled logs go (default: ${DEFAULT-VALUE}).",
      defaultValue = "%BASE%\\logs")
  String logDir;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the definition to this file instead of printing it.")
  Path out;

  @Override
  public Integer call() {
    for (String value : new String[] {java, jar, config, logDir}) {
      if (value.contains("\"")) {
        throw new UserError("paths must not contain quotes: " + value);
      }
    }
    String xml = new WindowsService(java, jar, config, logDir).xml();
    if (out == null) {
      System.out.println(xml);
      return 0;
    }
    try {
      Files.writeString(out, xml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UserError("cannot write " + out + ": " + e.getMessage());
    }
    System.out.println("wrote " + out);
    return 0;
  }
}
