package dev.outpost.hub;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.Batch;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import java.nio.file.Path;
import java.time.Duration;
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
  private static final long HOUR = 3_600_000;
  private static final long DAY = 24 * HOUR;

  @TempDir
  Path dir;

  private static List<Measurement> measurements(int n, double first) {
    return measurementsAt(System.currentTimeMillis(), n, first);
  }

  /** {@code n} measurements one millisecond apart from {@code time}. */
  private static List<Measurement> measurementsAt(long time, int n, double first) {
    return IntStream.range(0, n)
        .mapToObj(i -> new Measurement("cpu", time + i, State.OK, Map.of("load", first + i), Map.of("load", "%"), ""))
        .toList();
  }

  private static List<Long> keysOf(List<Outbox.Entry> entries) {
    return entries.stream().map(Outbox.Entry::key).toList();
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
      assertEquals(0, outbox.expired(), "none of them was too old");
      assertEquals(5L, outbox.peek(0, 100).join().get(0).batch().firstSeq());
    }
    try (var reopened = Outbox.open(dir.resolve("outbox.db"), new OutboxLimits(10))) {
      assertEquals(4, reopened.dropped(), "drops are counted across restarts");
      assertEquals(8, reopened.depth());
    }
  }

  @Test
  void measurementsOlderThanTheMaxAgeAreDroppedAtOnceAndCounted() {
    var oneDay = new OutboxLimits(1000, Duration.ofDays(1));
    long now = System.currentTimeMillis();
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), oneDay)) {
      outbox.record(HUB, measurementsAt(now, 3, 0)).join();
      outbox.record(HUB, measurementsAt(now - 2 * DAY, 5, 3)).join();
      var mixed = new Batch(HUB, 9, List.of(measurementsAt(now - 2 * DAY, 1, 0).get(0), measurementsAt(now, 1, 1).get(0)));

      assertEquals(5, outbox.dropped(), "the 5 recorded two days old");
      assertEquals(5, outbox.expired());
      assertEquals(3, outbox.depth());
      assertEquals(now, outbox.oldestTime());

      outbox.record(HUB, mixed.measurements()).join();
      assertEquals(5, outbox.depth(), "a batch with a fresh measurement is kept whole");
      assertEquals(now - 2 * DAY, outbox.oldestTime());
      var kept = outbox.peek(0, 100).join();
      assertEquals(9L, kept.get(1).batch().firstSeq(), "the sequence numbers of the dropped measurements are not given again");
    }
    try (var reopened = Outbox.open(dir.resolve("outbox.db"), oneDay)) {
      assertEquals(5, reopened.dropped(), "drops are counted across restarts");
      assertEquals(5, reopened.expired());
      assertEquals(5, reopened.depth());
    }
  }

  @Test
  void batchesOfOtherMachinesAgeFromTheirArrivalSoAHubsSkewedClockLosesNothing() {
    var oneDay = new OutboxLimits(1000, Duration.ofDays(1));
    long now = System.currentTimeMillis();
    try (var connector = Outbox.open(dir.resolve("outbox.db"), oneDay)) {
      // a hub whose clock is ten days behind
      connector.store(List.of(new Batch(OTHER, 1, measurementsAt(now - 10 * DAY, 4, 0)))).join();
      assertEquals(4, connector.depth());
      assertEquals(0, connector.dropped());
      assertTrue(connector.oldestTime() >= now, "waiting since it arrived");
    }
  }

  @Test
  void entriesThatMayHaveArrivedAreDroppedLastWhenTheOutboxIsFull() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), new OutboxLimits(10))) {
      outbox.record(HUB, measurements(5, 0)).join();
      outbox.record(HUB, measurements(5, 5)).join();
      var sent = outbox.peek(0, 5).join();          // the oldest entry was sent; the link broke before its ack
      outbox.mayHaveArrived(keysOf(sent)).join();
      outbox.record(HUB, measurements(5, 10)).join();

      assertEquals(5, outbox.dropped());
      var left = outbox.peek(0, 100).join();
      assertEquals(List.of(1L, 11L), left.stream().map(e -> e.batch().firstSeq()).toList(),
          "the unsure entry stays to be sent again; the next oldest went");
    }
  }

  @Test
  void anEntryDroppedWhileOnItsWayCountsAsDeliveredWhenItsAcknowledgementComes() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), new OutboxLimits(10))) {
      outbox.record(HUB, measurements(5, 0)).join();
      outbox.record(HUB, measurements(5, 5)).join();
      var inFlight = outbox.peek(0, 100).join();     // both entries sent, not yet acknowledged
      outbox.record(HUB, measurements(5, 10)).join(); // over the limit: the oldest goes
      assertEquals(5, outbox.dropped());
      assertEquals(10, outbox.depth());

      outbox.remove(keysOf(inFlight)).join();          // the next hop took both after all
      assertEquals(0, outbox.dropped(), "dropped counts only what never arrived");
      assertEquals(5, outbox.depth());

      outbox.remove(keysOf(inFlight)).join();          // a repeated acknowledgement changes nothing
      assertEquals(0, outbox.dropped());
      outbox.record(HUB, measurements(10, 15)).join();
      assertEquals(5, outbox.dropped(), "a drop that is never acknowledged stays counted");
    }
  }

  @Test
  void entriesThatGrowOldWhileWaitingAreDropped() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), new OutboxLimits(1000, Duration.ofSeconds(2)))) {
      outbox.record(HUB, measurements(3, 0)).join();
      outbox.store(List.of(new Batch(OTHER, 1, measurements(2, 0)))).join();
      assertEquals(5, outbox.depth(), "fresh when they came");

      await().atMost(Duration.ofSeconds(15)).until(() -> outbox.depth() == 0);
      assertEquals(5, outbox.expired());
      assertEquals(5, outbox.dropped());
      assertEquals(0, outbox.oldestTime());
      assertEquals(List.of(), outbox.peek(0, 100).join());
    }
  }

  @Test
  void aShorterMaxAgeDropsWhatWasKeptBeforeWithoutAnyWrite() {
    long now = System.currentTimeMillis();
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      outbox.record(HUB, measurementsAt(now - 2 * DAY, 4, 0)).join();
      outbox.record(HUB, measurementsAt(now, 2, 4)).join();
      assertEquals(0, outbox.dropped(), "two days are within the default seven");
    }
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), new OutboxLimits(1000, Duration.ofDays(1)))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> outbox.expired() == 4);
      assertEquals(2, outbox.depth());
      assertEquals(4, outbox.dropped());
      assertEquals(now, outbox.oldestTime());
    }
  }

  @Test
  void peekStaysWithinTheKeyRange() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      for (int i = 0; i < 5; i++) {
        outbox.record(HUB, measurements(2, i * 2)).join();
      }
      List<Long> keys = keysOf(outbox.peek(0, 100).join());
      assertEquals(5, keys.size());

      assertEquals(keys.subList(1, 3), keysOf(outbox.peek(keys.get(0), keys.get(2), 100).join()),
          "after the first key, up to and including the third");
      assertEquals(keys.subList(0, 1), keysOf(outbox.peek(0, keys.get(4), 3).join()), "a second entry would make 4");
      assertEquals(keys.subList(0, 1), keysOf(outbox.peek(0, keys.get(4), 1).join()), "at least one entry");
      assertEquals(List.of(), outbox.peek(keys.get(2), keys.get(2), 100).join());
      assertEquals(List.of(), outbox.peek(keys.get(3), keys.get(1), 100).join());
      assertEquals(List.of(), outbox.peek(outbox.lastKey(), Long.MAX_VALUE, 100).join());

      long connectedAt = outbox.lastKey();
      outbox.record(HUB, measurements(1, 10)).join();
      var fresh = outbox.peek(connectedAt, Long.MAX_VALUE, 100).join();
      assertEquals(List.of(outbox.lastKey()), keysOf(fresh), "fresh first: only what came after the mark");
      assertEquals(keys, keysOf(outbox.peek(0, connectedAt, 100).join()), "then the backlog up to the mark");
    }
  }

  @Test
  void lastKeyAndOldestTimeFollowCommitsRemovalsAndReopen() {
    long now = System.currentTimeMillis();
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      assertEquals(0, outbox.lastKey());
      assertEquals(0, outbox.oldestTime());

      outbox.record(HUB, measurementsAt(now - HOUR, 2, 0)).join();
      outbox.record(HUB, measurementsAt(now - 3 * HOUR, 3, 0)).join();
      outbox.record(HUB, measurementsAt(now, 1, 2)).join();
      var entries = outbox.peek(0, 100).join();
      assertEquals(entries.get(2).key(), outbox.lastKey());
      assertEquals(now - 3 * HOUR, outbox.oldestTime(), "the oldest measurement need not be in the first entry");

      outbox.remove(List.of(entries.get(1).key())).join();
      assertEquals(now - HOUR, outbox.oldestTime());
      assertEquals(entries.get(2).key(), outbox.lastKey());
    }
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      var entries = outbox.peek(0, 100).join();
      assertEquals(now - HOUR, outbox.oldestTime());
      assertEquals(entries.get(1).key(), outbox.lastKey());

      outbox.remove(keysOf(entries)).join();
      assertEquals(0, outbox.oldestTime(), "empty");
      assertEquals(entries.get(1).key(), outbox.lastKey(), "keys are never given again");
      outbox.record(HUB, measurements(1, 0)).join();
      assertEquals(entries.get(1).key() + 1, outbox.lastKey());
    }
  }

  @Test
  void everyOperationCompletesWhenTheOutboxClosesWhileTheyArrive() throws InterruptedException {
    var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS);
    var futures = new ArrayList<CompletableFuture<Void>>();
    var writer = new Thread(() -> {
      for (int i = 0; i < 2000; i++) {
        futures.add(outbox.record(HUB, measurements(1, i)));
      }
    });
    writer.start();
    outbox.close();
    writer.join();

    await().atMost(Duration.ofSeconds(5)).until(() -> futures.stream().allMatch(CompletableFuture::isDone));
  }

  @Test
  void aClosedOutboxRefusesWork() {
    var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS);
    outbox.close();
    assertTrue(outbox.record(HUB, measurements(1, 0)).isCompletedExceptionally());
  }
}
