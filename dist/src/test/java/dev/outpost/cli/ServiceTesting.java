package dev.outpost.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the service tests share: running commands, reading owners and modes, {@code systemd-analyze verify}. */
final class ServiceTesting {
  private ServiceTesting() {
  }

  record Run(int exit, String out, String err) {
    String both() {
      return out + err;
    }
  }

  /** Runs {@code outpost ARGS} from the built jar, as the admin would. */
  static Run outpost(String... args) throws Exception {
    var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target", "outpost.jar").toAbsolutePath().toString()));
    command.addAll(List.of(args));
    return run(command);
  }

  /** As {@link #outpost}, with root's umask set to 077 (a hardened root shell). */
  static Run outpostWithUmask077(String... args) throws Exception {
    var command = new ArrayList<>(List.of("/bin/sh", "-c", "umask 077 && exec \"$@\"", "sh",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target", "outpost.jar").toAbsolutePath().toString()));
    command.addAll(List.of(args));
    return run(command);
  }

  static Run run(List<String> command) throws Exception {
    var process = new ProcessBuilder(command).start();
    process.getOutputStream().close();
    // Read both streams while it runs (a full pipe would block it).
    var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    String out = read(process.getInputStream());
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " finished");
    return new Run(process.exitValue(), out, err.get());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  static boolean root() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  static boolean userExists(String name) throws Exception {
    return run(List.of("getent", "passwd", name)).exit() == 0;
  }

  /** A fresh system user name for one test, so that the machine's own users are never touched. */
  static String testUser() {
    return "outpost-it-" + Long.toHexString(System.nanoTime() & 0xffffffL);
  }

  static void removeUser(String name) throws Exception {
    if (userExists(name)) {
      run(List.of("userdel", name));
    }
  }

  static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.readAttributes(path, PosixFileAttributes.class,
        java.nio.file.LinkOption.NOFOLLOW_LINKS).permissions());
  }

  static String owner(Path path) throws IOException {
    var attributes = Files.readAttributes(path, PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    return attributes.owner().getName() + ":" + attributes.group().getName();
  }

  /** Where systemd-analyze is, or null. */
  static Path systemdAnalyze() {
    for (String dir : new String[] {"/usr/bin", "/bin"}) {
      Path tool = Path.of(dir, "systemd-analyze");
      if (Files.isExecutable(tool)) {
        return tool;
      }
    }
    return null;
  }

  /**
   * {@code systemd-analyze verify} of unit files: it exits 0 even for unknown keys or bad values (it
   * ignores them with a warning), so every line it prints counts as a failure too.
   */
  static Run verify(Path... units) throws Exception {
    var command = new ArrayList<String>(List.of(systemdAnalyze().toString(), "verify"));
    for (Path unit : units) {
      command.add(unit.toAbsolutePath().toString());
    }
    return run(command);
  }
}
