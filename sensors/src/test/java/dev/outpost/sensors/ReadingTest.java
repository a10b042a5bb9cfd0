package dev.outpost.sensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.outpost.protocol.State;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadingTest {

  @Test
  void valuesKeepTheOrderTheyWereAddedInAndUnitsOnlyWhereGiven() {
    var reading = Reading.of("m").with("usedPercent", 42, "%").with("count", 3).with("usedBytes", 1024, "bytes");

    assertEquals(List.of("usedPercent", "count", "usedBytes"), List.copyOf(reading.values().keySet()));
    assertEquals(Map.of("usedPercent", "%", "usedBytes", "bytes"), reading.units());
    assertNull(reading.state());
    assertEquals(State.ERROR, reading.withState(State.ERROR).state());
    assertEquals(Map.of(), Reading.error("refused").values());
    assertEquals(State.ERROR, Reading.error("refused").state());
  }

  @Test
  void nonFiniteValuesAndUnitsWithoutValuesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Reading.of("m").with("load", Double.POSITIVE_INFINITY));
    assertThrows(IllegalArgumentException.class, () -> Reading.of(Map.of("a", 1.0), Map.of("b", "%"), "m"));
  }
}
