package dev.outpost.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The command a service runs {@code outpost} with: the .deb's launcher, or this Java with this jar. */
final class Launcher {
  /** Where the .deb installs the launcher. */
  static final Path DEB_LAUNCHER = Path.of("/usr/bin/outpost");

  private Launcher() {
  }

  /**
   * {@code /usr/bin/outpost} where the .deb is installed, else {@code JAVA -jar JAR} of this process.
   * A jar under /home or /root is refused: the unit's {@code ProtectHome=yes} hides it from the service.
   */
  static String current() {
    if (Files.isExecutable(DEB_LAUNCHER)) {
      return DEB_LAUNCHER.toString();
    }
    Path jar;
    try {
      jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      throw new UserError("cannot tell where outpost.jar is: give the command with --exec");
    }
    if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
      throw new UserError("not running from a jar (" + jar + "): give the command that runs outpost with --exec");
    }
    for (String hidden : new String[] {"/home/", "/root/", "/run/user/"}) {
      if (jar.toString().startsWith(hidden)) {
        throw new UserError("the service cannot read " + jar + " (ProtectHome=yes hides " + hidden + "): copy it first,"
            + " e.g. install -D -m 644 " + jar + " /usr/share/outpost/outpost.jar, and run the install from there");
      }
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    if (java.contains(" ") || jar.toString().contains(" ")) {
      throw new UserError("paths with spaces are not supported here: give the command with --exec");
    }
    return java + " -jar " + jar;
  }
}
