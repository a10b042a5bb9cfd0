package dev.outpost.cloud.impl.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.RelayInfo;
import dev.outpost.protocol.RelayMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The documented relay choice: both ends' latencies plus load, with hysteresis. */
class RelayPoolTest {
  private static RelayPool.Relay relay(String name, int sessions, int capacity) {
    return new RelayPool.Relay(new RelayInfo(name, "test", List.of(name + ".example"), List.of(443), "pin-" + name),
        sessions, capacity, 0, message -> { });
  }

  private static String chosen(RelayPool pool, String device, Map<String, Long> operator, Map<String, Long> dev) {
    return pool.choose(device, operator, dev).map(r -> r.info().name()).orElse(null);
  }

  @Test
  void theLowestSumOfBothLatenciesWinsAndLoadCounts() {
    var pool = new RelayPool();
    pool.register(relay("a", 0, 100));
    pool.register(relay("b", 0, 100));
    // a: 10 + 30 ms, b: 20 + 15 ms → b
    assertEquals("b", chosen(pool, "d1", Map.of("a", 10_000L, "b", 20_000L), Map.of("a", 30_000L, "b", 15_000L)));
    // b at 80 % load costs 35 + 40 = 75 ms; a at 40 ms wins
    pool.load("b", new RelayMessage.Load(80, 100, 0));
    assertEquals("a", chosen(pool, "d2", Map.of("a", 10_000L, "b", 20_000L), Map.of("a", 30_000L, "b", 15_000L)));
  }

  @Test
  void relaysThatOneEndDidNotReachOrThatAreFullAreLeftOut() {
    var pool = new RelayPool();
    pool.register(relay("a", 0, 100));
    pool.register(relay("b", 100, 100));
    pool.register(relay("c", 0, 100));
    assertEquals("c", chosen(pool, "d", Map.of("a", 1L, "b", 1L, "c", 90_000L), Map.of("b", 1L, "c", 90_000L)));
    assertTrue(pool.choose("d", Map.of("a", 1L), Map.of("b", 1L)).isEmpty());
  }

  @Test
  void aNearlyEqualRelayDoesNotTakeOverTheOneChosenLast() {
    var pool = new RelayPool();
    pool.register(relay("a", 0, 100));
    pool.register(relay("b", 0, 100));
    assertEquals("a", chosen(pool, "d", Map.of("a", 10_000L, "b", 11_000L), Map.of("a", 10_000L, "b", 11_000L)));
    // b is now 2 ms cheaper (19 vs 21 ms): within 20 % → stay on a
    assertEquals("a", chosen(pool, "d", Map.of("a", 10_500L, "b", 9_500L), Map.of("a", 10_500L, "b", 9_500L)));
    // b is clearly better (10 vs 21 ms): move
    assertEquals("b", chosen(pool, "d", Map.of("a", 10_500L, "b", 5_000L), Map.of("a", 10_500L, "b", 5_000L)));
    // another device has no history
    assertEquals("b", chosen(pool, "other", Map.of("a", 10_500L, "b", 9_500L), Map.of("a", 10_500L, "b", 9_500L)));
  }
}
