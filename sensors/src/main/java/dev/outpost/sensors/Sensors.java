package dev.outpost.sensors;

import dev.outpost.protocol.SensorConfig;
import dev.outpost.sensors.impl.BuiltInTypes;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The catalogue of sensor types a machine can run. Immutable. */
public final class Sensors {
  private final Map<String, SensorType> types;

  private Sensors(Map<String, SensorType> types) {
    this.types = Collections.unmodifiableMap(types);
  }

  /** Every built-in type: {@code cpu}, {@code memory}, {@code disk}, {@code uptime}, {@code process}, {@code tcp-port}, {@code http}, {@code ping}, {@code file}. */
  public static Sensors builtIn() {
    return of(BuiltInTypes.all());
  }

  /** A catalogue of exactly these types. */
  public static Sensors of(List<SensorType> types) {
    var byName = new LinkedHashMap<String, SensorType>();
    for (var type : types) {
      if (byName.putIfAbsent(type.name(), type) != null) {
        throw new IllegalArgumentException("sensor type " + type.name() + " given twice");
      }
    }
    return new Sensors(byName);
  }

  /** This catalogue plus one type, which replaces a type of the same name. */
  public Sensors with(SensorType type) {
    var byName = new LinkedHashMap<>(types);
    byName.put(type.name(), type);
    return new Sensors(byName);
  }

  /** The names of the types, in catalogue order. */
  public Set<String> types() {
    return types.keySet();
  }

  /** The type of that name, if there is one. */
  public Optional<SensorType> type(String name) {
    return Optional.ofNullable(types.get(name));
  }

  /**
   * Makes the sensor a configuration describes.
   *
   * @throws SensorConfigException for an unknown type or bad settings, with a message naming the
   *                               sensor and what is wrong
   */
  public Sensor create(SensorConfig config) {
    var type = types.get(config.type());
    if (type == null) {
      throw new SensorConfigException("sensor " + config.id() + ": unknown type " + config.type()
          + " (known: " + String.join(", ", types.keySet()) + ")");
    }
    Sensor sensor;
    try {
      sensor = type.create(config);
    } catch (SensorConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new SensorConfigException("sensor " + config.id() + " (" + config.type() + "): " + e.getMessage());
    }
    if (sensor == null) {
      throw new IllegalStateException("sensor type " + type.name() + " made no sensor for " + config.id());
    }
    return sensor;
  }
}
