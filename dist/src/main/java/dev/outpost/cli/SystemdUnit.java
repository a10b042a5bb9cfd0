package dev.outpost.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A role's systemd unit, rendered from the one template that the .deb's units come from too
 * ({@code service/outpost.service.in}): its own user, restart on failure, and hardening that leaves
 * it nothing writable but its data folder.
 */
final class SystemdUnit {
  static final String TEMPLATE = "service/outpost.service.in";

  private SystemdUnit() {
  }

  /**
   * The unit's text.
   *
   * @param layout where the service lives
   * @param exec   the command that runs {@code outpost} (e.g. {@code /usr/bin/outpost})
   */
  static String render(ServiceLayout layout, String exec) {
    String text = template();
    var values = Map.of(
        "unit.role", layout.role(),
        "unit.user", layout.user(),
        "unit.dataDir", quoted(layout.dataDir().toString()),
        "unit.config", quoted(layout.configFile().toString()),
        "unit.exec", exec);
    for (var value : values.entrySet()) {
      text = text.replace("@" + value.getKey() + "@", value.getValue());
    }
    if (text.contains("@unit.")) {
      throw new IllegalStateException("the unit template has a placeholder without a value: " + text);
    }
    return text;
  }

  /** A path as systemd reads it in ExecStart= and ReadWritePaths=: quoted only when it has a space. */
  private static String quoted(String path) {
    if (path.contains("\"") || path.contains("\\") || path.contains("%") || path.contains("$")) {
      throw new UserError("paths with quotes, backslashes, % or $ are not supported in a unit: " + path);
    }
    return path.contains(" ") ? "\"" + path + "\"" : path;
  }

  private static String template() {
    try (InputStream in = SystemdUnit.class.getResourceAsStream(TEMPLATE)) {
      if (in == null) {
        throw new IllegalStateException("the unit template " + TEMPLATE + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
