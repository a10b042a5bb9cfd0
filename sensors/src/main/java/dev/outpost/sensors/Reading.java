package dev.outpost.sensors;

import dev.outpost.protocol.State;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one run of a sensor found. Built from the factories and the {@code with…} methods, which
 * return new readings:
 * <pre>{@code
 * return Reading.of("42 % used").with("usedPercent", 42.0, "%").with("usedBytes", 4.2e9, "bytes");
 * return Reading.of("no process matches nginx").with("running", 0).withState(State.ERROR);
 * }</pre>
 *
 * @param values  named finite numbers, in the order they were added; value names are lowerCamelCase
 * @param units   the unit of each value that has one ({@code "%"}, {@code "ms"}, {@code "bytes"}, {@code "s"})
 * @param state   the sensor's own verdict, or null to let the thresholds of the configuration decide
 *                (the runner always takes the worst of this and the thresholds)
 * @param message a short human message
 */
public record Reading(Map<String, Double> values, Map<String, String> units, State state, String message) {

  public Reading {
    values = values == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(values));
    units = units == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(units));
    message = message == null ? "" : message;
    for (var e : values.entrySet()) {
      if (e.getKey() == null || e.getKey().isBlank()) {
        throw new IllegalArgumentException("a value needs a name");
      }
      if (e.getValue() == null || !Double.isFinite(e.getValue())) {
        throw new IllegalArgumentException("value " + e.getKey() + " must be a finite number, not " + e.getValue());
      }
    }
    for (var name : units.keySet()) {
      if (!values.containsKey(name)) {
        throw new IllegalArgumentException("unit given for " + name + ", which has no value");
      }
    }
  }

  /** No values yet, the thresholds decide the state. */
  public static Reading of(String message) {
    return new Reading(Map.of(), Map.of(), null, message);
  }

  /** The given values and units, the thresholds decide the state. */
  public static Reading of(Map<String, Double> values, Map<String, String> units, String message) {
    return new Reading(values, units, null, message);
  }

  /** A failed run that still knows why: ERROR, no values. */
  public static Reading error(String reason) {
    return new Reading(Map.of(), Map.of(), State.ERROR, reason);
  }

  /** This reading plus a value with a unit (a null unit means none). */
  public Reading with(String name, double value, String unit) {
    var newValues = new LinkedHashMap<>(values);
    var newUnits = new LinkedHashMap<>(units);
    newValues.put(name, value);
    if (unit == null) {
      newUnits.remove(name);
    } else {
      newUnits.put(name, unit);
    }
    return new Reading(newValues, newUnits, state, message);
  }

  /** This reading plus a value without a unit (a count, a 1/0 flag, an HTTP status). */
  public Reading with(String name, double value) {
    return with(name, value, null);
  }

  /** This reading with the sensor's own verdict (null: the thresholds decide). */
  public Reading withState(State newState) {
    return new Reading(values, units, newState, message);
  }

  /** This reading with another message. */
  public Reading withMessage(String newMessage) {
    return new Reading(values, units, state, newMessage);
  }
}
