package dev.outpost.sensors.impl;

import dev.outpost.protocol.SensorConfig;
import dev.outpost.sensors.SensorConfigException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The settings of one sensor configuration, read with checks. Every problem becomes a
 * {@link SensorConfigException} that names the sensor, its type and the setting. Unknown settings
 * are refused, so that a typo does not silently fall back to a default.
 */
final class Settings {
  /** A time budget inside a run (connect, request, echo) defaults to at most this share of the run's timeout. */
  private static final double SHARE_OF_TIMEOUT = 0.8;

  private final SensorConfig config;

  Settings(SensorConfig config, String... known) {
    this.config = config;
    var allowed = List.of(known);
    var unknown = new TreeSet<String>();
    for (var name : config.settings().keySet()) {
      if (!allowed.contains(name)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw problem("unknown setting" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
          + (allowed.isEmpty() ? " (this type has no settings)" : " (known: " + String.join(", ", allowed) + ")"));
    }
  }

  SensorConfig config() {
    return config;
  }

  /** A setting that must be present and not blank. */
  String required(String name) {
    return optional(name).orElseThrow(() -> problem("setting " + name + " is required"));
  }

  /** A setting that may be absent; blank counts as absent. */
  Optional<String> optional(String name) {
    var value = config.settings().get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  /** A setting exactly as given, spaces included (a password); empty when absent. */
  String raw(String name) {
    var value = config.settings().get(name);
    return value == null ? "" : value;
  }

  String text(String name, String fallback) {
    return optional(name).orElse(fallback);
  }

  /** A whole number that must be present. */
  int integer(String name, int min, int max) {
    required(name);
    return integer(name, 0, min, max);
  }

  int integer(String name, int fallback, int min, int max) {
    var text = optional(name);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text.get());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw problem("setting " + name + " must be a whole number from " + min + " to " + max + ", not '" + text.get() + "'");
  }

  boolean flag(String name, boolean fallback) {
    var text = optional(name);
    if (text.isEmpty()) {
      return fallback;
    }
    return switch (text.get().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw problem("setting " + name + " must be true or false, not '" + text.get() + "'");
    };
  }

  /** An absolute path. */
  Path path(String name, String fallback) {
    var text = fallback == null ? required(name) : text(name, fallback);
    try {
      var path = Path.of(text);
      if (path.isAbsolute()) {
        return path.normalize();
      }
    } catch (InvalidPathException e) {
      throw problem("setting " + name + " is not a valid path: " + e.getMessage());
    }
    throw problem("setting " + name + " must be an absolute path, not '" + text + "'");
  }

  /**
   * A time budget in milliseconds inside one run: the setting if given, else {@code fallbackMs} but
   * at most 80 % of the sensor's timeout, so that the sensor can still say what took too long before
   * the runner cuts it off.
   */
  int millis(String name, int fallbackMs) {
    int share = (int) (config.effectiveTimeoutSeconds() * 1000 * SHARE_OF_TIMEOUT);
    return integer(name, Math.min(fallbackMs, share), 1, 3_600_000);
  }

  SensorConfigException problem(String what) {
    return new SensorConfigException("sensor " + config.id() + " (" + config.type() + "): " + what);
  }
}
