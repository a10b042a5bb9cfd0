package dev.outpost.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The running systemd, told about installed units through {@code systemctl}. */
final class Systemd {
  private Systemd() {
  }

  /** Whether systemd is this machine's init (PID 1): the test {@code sd_booted()} makes. */
  static boolean running() {
    return Files.isDirectory(Path.of("/run/systemd/system"));
  }

  /** What PID 1 is, for messages: e.g. {@code bash} in a container. */
  static String init() {
    try {
      return Files.readString(Path.of("/proc/1/comm")).strip();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  static void systemctl(String... args) {
    var command = new ArrayList<String>();
    command.add("systemctl");
    command.addAll(List.of(args));
    ServiceUser.run(command);
  }
}
