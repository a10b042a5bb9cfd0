package dev.outpost.cloud.impl.store;

import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.State;
import java.util.Map;

/** The newest measurement of one sensor, with the units of its values. */
public record Latest(long timeMs, State state, Map<String, Double> values, Map<String, String> units, String message) {
  static Latest of(Measurement m) {
    return new Latest(m.time(), m.state(), m.values(), m.units(), m.message());
  }
}
