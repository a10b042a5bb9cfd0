package dev.outpost.protocol;

import java.util.Map;

/**
 * One run of one sensor.
 *
 * @param sensor  the sensor's id on its machine
 * @param time    when the sensor ran, milliseconds since the epoch (UTC)
 * @param state   OK, WARNING or ERROR
 * @param values  named numeric values; may be empty (a sensor that failed has none)
 * @param units   the unit of each value that has one ({@code "%"}, {@code "ms"}, {@code "bytes"})
 * @param message a short human message, at most 500 characters
 */
public record Measurement(String sensor, long time, State state, Map<String, Double> values,
                          Map<String, String> units, String message) {
  public static final int MAX_MESSAGE = 500;

  public Measurement {
    Wire.requireId(sensor, "sensor");
    Wire.require(time > 0, "time must be positive");
    Wire.require(state != null, "state is required");
    values = values == null ? Map.of() : Map.copyOf(values);
    units = units == null ? Map.of() : Map.copyOf(units);
    message = message == null ? "" : message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message;
    for (var e : values.entrySet()) {
      Wire.require(e.getValue() != null && Double.isFinite(e.getValue()), "value " + e.getKey() + " must be a finite number");
    }
  }

  /** A failed run: no values, the reason as message. */
  public static Measurement error(String sensor, long time, String reason) {
    return new Measurement(sensor, time, State.ERROR, Map.of(), Map.of(), reason);
  }
}
