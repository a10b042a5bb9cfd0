package dev.outpost.sensors;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * What a machine gives its sensors.
 *
 * @param stateDir a folder where sensors may keep small state across runs and restarts (the uptime
 *                 sensor's last boot time); created on first use
 * @param clock    the clock for timestamps and ages
 */
public record SensorContext(Path stateDir, Clock clock) {

  public SensorContext {
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(clock, "clock");
  }

  /** A context on the system clock (UTC). */
  public static SensorContext of(Path stateDir) {
    return new SensorContext(stateDir, Clock.systemUTC());
  }
}
