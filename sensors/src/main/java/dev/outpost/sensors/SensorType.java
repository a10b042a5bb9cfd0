package dev.outpost.sensors;

import dev.outpost.protocol.SensorConfig;
import java.util.Objects;
import java.util.function.Function;

/** A kind of sensor: its name (the {@link SensorConfig#type()}) and how to make one from settings. */
public interface SensorType {

  /** The name configurations use, such as {@code cpu} or {@code http}. */
  String name();

  /**
   * Checks the settings and makes a sensor.
   *
   * @throws SensorConfigException (an {@link IllegalArgumentException}) with a message naming the
   *                               setting when a setting is missing, unknown or malformed
   */
  Sensor create(SensorConfig config);

  /** A type made of a name and a factory. */
  static SensorType of(String name, Function<SensorConfig, Sensor> factory) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(factory, "factory");
    return new SensorType() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Sensor create(SensorConfig config) {
        return factory.apply(config);
      }

      @Override
      public String toString() {
        return "SensorType[" + name + "]";
      }
    };
  }
}
