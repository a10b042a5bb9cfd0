package dev.outpost.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in {@code outbox} measurement says how much waits, how old it is, and why anything was dropped. */
class OutboxMeasurementTest {
  private static final MachineRef HUB = new MachineRef("hub-1", "Hub 1", Role.HUB);
  private static final long DAY = 24 * 3_600_000L;

  @TempDir
  Path dir;

  private static List<Measurement> measurementsAt(long time, int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> new Measurement("cpu", time, State.OK, Map.of("load", (double) i), Map.of(), ""))
        .toList();
  }

  @Test
  void anEmptyOutboxIsOk() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      var m = SensorSchedule.outboxMeasurement(outbox, System.currentTimeMillis());

      assertEquals(State.OK, m.state());
      assertEquals(Map.of("queued", 0.0, "dropped", 0.0, "expired", 0.0, "oldestAgeSeconds", 0.0), m.values());
      assertEquals(Map.of("oldestAgeSeconds", "s"), m.units());
      assertEquals("0 waiting", m.message());
    }
  }

  @Test
  void waitingMeasurementsHaveAnAge() {
    long now = System.currentTimeMillis();
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      outbox.record(HUB, measurementsAt(now - 90_000, 2)).join();

      var m = SensorSchedule.outboxMeasurement(outbox, now);
      assertEquals(State.OK, m.state());
      assertEquals(2.0, m.values().get("queued"));
      assertEquals(90.0, m.values().get("oldestAgeSeconds"));
      assertEquals("2 waiting", m.message());
    }
  }

  @Test
  void dropsMakeAWarningThatSaysWhy() {
    long now = System.currentTimeMillis();
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), new OutboxLimits(4, Duration.ofDays(1)))) {
      outbox.record(HUB, measurementsAt(now - 2 * DAY, 3)).join();
      var tooOld = SensorSchedule.outboxMeasurement(outbox, now);
      assertEquals(State.WARNING, tooOld.state());
      assertEquals("3 measurements dropped because they were too old; 0 waiting", tooOld.message());

      outbox.record(HUB, measurementsAt(now, 3)).join();
      outbox.record(HUB, measurementsAt(now, 3)).join();
      var both = SensorSchedule.outboxMeasurement(outbox, now);
      assertEquals(Map.of("queued", 3.0, "dropped", 6.0, "expired", 3.0, "oldestAgeSeconds", 0.0), both.values());
      assertEquals("6 measurements dropped (3 because the outbox was full, 3 because they were too old); 3 waiting",
          both.message());
    }
    try (var outbox = Outbox.open(dir.resolve("full.db"), new OutboxLimits(4))) {
      outbox.record(HUB, measurementsAt(now, 3)).join();
      outbox.record(HUB, measurementsAt(now, 3)).join();
      assertEquals("3 measurements dropped because the outbox was full; 3 waiting",
          SensorSchedule.outboxMeasurement(outbox, now).message());
    }
  }
}
