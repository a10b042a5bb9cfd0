package dev.outpost.protocol;

import java.util.HashSet;
import java.util.List;

/**
 * Everything the cloud configures on one machine. The version grows with every change; a machine
 * applies a configuration only if it is newer than the one it runs.
 *
 * @param machine the machine's uid
 * @param version grows by one per change, starting at 1
 * @param sensors the sensors to run, ids unique
 */
public record MachineConfig(String machine, long version, List<SensorConfig> sensors) {
  public MachineConfig {
    Wire.requireUid(machine, "machine");
    Wire.require(version >= 0, "version must not be negative");
    sensors = sensors == null ? List.of() : List.copyOf(sensors);
    var ids = new HashSet<String>();
    for (var s : sensors) {
      Wire.require(ids.add(s.id()), "sensor id " + s.id() + " is used twice");
    }
  }
}
