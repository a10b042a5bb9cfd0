package dev.outpost.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.Batch;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {
  private static final MachineRef HUB = new MachineRef("hub-1", "Hub 1", Role.HUB);
  private static final MachineRef OTHER = new MachineRef("hub-2", "Hub 2", Role.HUB);

  @TempDir
  Path dir;

  private static List<Measurement> measurements(int n, double first) {
    return IntStream.range(0, n)
        .mapToObj(i -> new Measurement("cpu", 1_700_000_000_000L + i, State.OK, Map.of("load", first + i), Map.of("load", "%"), ""))
        .toList();
  }

  @Test
  void recordedMeasurementsGetConsecutiveSequenceNumbersAcrossReopen() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      outbox.record(HUB, measurements(3, 0)).join();
      outbox.record(HUB, measurements(2, 10)).join();
    }
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      outbox.record(HUB, measurements(1, 20)).join();
      var entries = outbox.peek(0, 1000).join();

      assertEquals(List.of(1L, 4L, 6L), entries.stream().map(e -> e.batch().firstSeq()).toList());
      assertEquals(20.0, entries.get(2).batch().measurements().get(0).values().get("load"));
      assertEquals(6, outbox.depth());
    }
  }

  @Test
  void concurrentAppendsAreAllKeptAndOrderedPerCaller() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      var futures = new ArrayList<CompletableFuture<Void>>();
      for (int i = 0; i < 200; i++) {
        futures.add(outbox.record(HUB, measurements(5, i * 5)));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();

      var values = outbox.peek(0, Integer.MAX_VALUE).join().stream()
          .flatMap(e -> e.batch().measurements().stream())
          .map(m -> m.values().get("load"))
          .toList();
      assertEquals(IntStream.range(0, 1000).mapToObj(i -> (double) i).toList(), values);
    }
  }

  @Test
  void peekRespectsTheLimitAndTheCursorAndRemoveTakesEntriesOut() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      outbox.store(List.of(new Batch(OTHER, 1, measurements(4, 0)), new Batch(OTHER, 5, measurements(4, 4)))).join();
      outbox.record(HUB, measurements(4, 0)).join();

      var first = outbox.peek(0, 5).join();
      assertEquals(1, first.size(), "a second entry would go beyond 5 measurements");
      var rest = outbox.peek(first.get(0).key(), 100).join();
      assertEquals(2, rest.size());
      assertEquals(HUB, rest.get(1).batch().source());

      outbox.remove(List.of(first.get(0).key())).join();
      assertEquals(8, outbox.depth());
      assertEquals(rest, outbox.peek(0, 100).join());
    }
  }

  @Test
  void aFullOutboxDropsTheOldestAndCountsThem() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), new OutboxLimits(10))) {
      outbox.record(HUB, measurements(4, 0)).join();
      outbox.record(HUB, measurements(4, 4)).join();
      outbox.record(HUB, measurements(4, 8)).join();

      assertEquals(8, outbox.depth());
      assertEquals(4, outbox.dropped());
      assertEquals(5L, outbox.peek(0, 100).join().get(0).batch().firstSeq());
    }
    try (var reopened = Outbox.open(dir.resolve("outbox.db"), new OutboxLimits(10))) {
      assertEquals(4, reopened.dropped(), "drops are counted across restarts");
      assertEquals(8, reopened.depth());
    }
  }

  @Test
  void aClosedOutboxRefusesWork() {
    var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS);
    outbox.close();
    assertTrue(outbox.record(HUB, measurements(1, 0)).isCompletedExceptionally());
  }
}
