package dev.outpost.protocol;

import java.util.List;
import java.util.Map;

/** The sensors a machine runs before the cloud has configured it, and that the cloud gives a new machine. */
public final class DefaultSensors {
  private DefaultSensors() {
  }

  public static List<SensorConfig> forNewMachine() {
    return List.of(
        new SensorConfig("cpu", "cpu", Map.of(), 30, 0,
            Map.of("load", new Threshold(90.0, 98.0, null, null))),
        new SensorConfig("memory", "memory", Map.of(), 30, 0,
            Map.of("usedPercent", new Threshold(90.0, 97.0, null, null))),
        new SensorConfig("disk", "disk", Map.of(), 60, 0,
            Map.of("freePercent", new Threshold(null, null, 15.0, 5.0))),
        new SensorConfig("uptime", "uptime", Map.of(), 60, 0, Map.of()));
  }
}
