package dev.outpost.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The system user a service runs as: made with {@code useradd --system} (or {@code adduser --system}), without a login. */
final class ServiceUser {
  private ServiceUser() {
  }

  /** Fails with a clear message unless this process runs as root. */
  static void requireRoot(String what) {
    Object uid;
    try {
      uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException e) {
      throw new UserError(what + " sets up a systemd service and works on Linux only"
          + " (for a Windows hub see: outpost hub windows-service --help)");
    }
    if (!Integer.valueOf(0).equals(uid)) {
      throw new UserError(what + " must run as root (it manages a system user and a systemd unit): sudo outpost " + what);
    }
  }

  static boolean exists(String name) {
    try {
      FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name);
      return true;
    } catch (UserPrincipalNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Makes the system user and its group of the same name; its home is {@code home}, not created, no login shell. */
  static void create(String name, Path home) {
    if (Files.isExecutable(Path.of("/usr/sbin/useradd"))) {
      run(List.of("/usr/sbin/useradd", "--system", "--user-group", "--home-dir", home.toString(), "--no-create-home",
          "--shell", "/usr/sbin/nologin", "--comment", "Outpost services", name));
    } else {
      run(List.of("adduser", "--system", "--group", "--home", home.toString(), "--no-create-home", "--quiet", name));
    }
  }

  /** Removes the user (and with {@code userdel} the group of the same name). */
  static void remove(String name) {
    run(List.of("userdel", name));
  }

  /** Gives the folder and everything in it to the user and its group. */
  static void chownTree(Path dir, String name) {
    try {
      var lookup = dir.getFileSystem().getUserPrincipalLookupService();
      UserPrincipal user = lookup.lookupPrincipalByName(name);
      GroupPrincipal group = lookup.lookupPrincipalByGroupName(name);
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path path : paths.toList()) {
          var view = Files.getFileAttributeView(path, PosixFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
          view.setOwner(user);
          view.setGroup(group);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a command, failing with its output when it fails. */
  static void run(List<String> command) {
    try {
      var process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
      int exit = process.waitFor();
      if (exit != 0) {
        throw new UserError(String.join(" ", command) + " failed (exit " + exit + ")" + (output.isEmpty() ? "" : ": " + output));
      }
    } catch (IOException e) {
      throw new UserError(command.get(0) + " cannot be run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError(command.get(0) + " was interrupted");
    }
  }
}
