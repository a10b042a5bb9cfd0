package dev.outpost.cloud.impl.store;

import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.SensorConfig;
import java.util.List;
import java.util.Optional;

/**
 * A machine as the cloud knows it (immutable; a change makes a new one).
 *
 * @param id             database surrogate key
 * @param via            uid of the connector it reaches the cloud through, or null
 * @param configVersion  version of {@link #config()}
 * @param sensors        its sensors, by id
 */
public record Machine(int id, String uid, long organisationId, String name, Role role, String via,
                      long configVersion, List<SensorConfig> sensors) {
  public Machine {
    sensors = List.copyOf(sensors);
  }

  /** What is pushed to the machine. */
  public MachineConfig config() {
    return new MachineConfig(uid, configVersion, sensors);
  }

  public Optional<SensorConfig> sensor(String sensorId) {
    return sensors.stream().filter(s -> s.id().equals(sensorId)).findFirst();
  }

  Machine withSensors(long version, List<SensorConfig> newSensors) {
    return new Machine(id, uid, organisationId, name, role, via, version, newSensors);
  }

  Machine withIdentity(String newName, Role newRole, String newVia) {
    return new Machine(id, uid, organisationId, newName, newRole, newVia, configVersion, sensors);
  }
}
