package dev.outpost.sensors.impl;

import dev.outpost.sensors.SensorType;
import java.util.List;

/** The built-in sensor types, for {@link dev.outpost.sensors.Sensors#builtIn()}. */
public final class BuiltInTypes {
  private BuiltInTypes() {
  }

  public static List<SensorType> all() {
    return List.of(CpuSensor.TYPE, MemorySensor.TYPE, DiskSensor.TYPE, UptimeSensor.TYPE, ProcessSensor.TYPE,
        TcpPortSensor.TYPE, HttpSensor.TYPE, PingSensor.TYPE, FileSensor.TYPE);
  }
}
