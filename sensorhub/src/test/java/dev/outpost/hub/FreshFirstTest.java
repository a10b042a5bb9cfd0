package dev.outpost.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fresh measurements go before the backlog of an outage, and the backlog drains at its rate. */
class FreshFirstTest {
  private static final MachineRef HUB = new MachineRef("hub-1", "Hub 1", Role.HUB);

  @TempDir
  Path dir;

  private static List<Measurement> measurements(int n) {
    long now = System.currentTimeMillis();
    return IntStream.range(0, n).mapToObj(i -> new Measurement("cpu", now + i, State.OK, Map.of("load", (double) i), Map.of(), "")).toList();
  }

  private static List<Long> seqs(List<Outbox.Entry> entries) {
    return entries.stream().map(e -> e.batch().firstSeq()).toList();
  }

  @Test
  void freshEntriesGoFirstAndTheBacklogFollowsAtItsRate() {
    var clock = new AtomicLong();
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      for (int i = 0; i < 10; i++) {
        outbox.record(HUB, measurements(100)).join();   // the backlog: seq 1..1000
      }
      var order = new FreshFirst(outbox, 300, clock::get);
      order.restart();                                   // the link comes back
      outbox.record(HUB, measurements(100)).join();      // fresh: seq 1001..1100
      outbox.record(HUB, measurements(100)).join();      // fresh: seq 1101..1200

      assertEquals(List.of(1001L, 1101L), seqs(order.next(1_000).join()), "fresh first, all of it");
      assertEquals(List.of(1L, 101L, 201L), seqs(order.next(1_000).join()), "then one second's worth of backlog");
      assertEquals(List.of(), order.next(1_000).join(), "the backlog's rate is used up");

      outbox.record(HUB, measurements(100)).join();
      assertEquals(List.of(1201L), seqs(order.next(1_000).join()), "fresh data does not wait for the rate");

      clock.addAndGet(1_000_000_000L);
      assertEquals(List.of(301L, 401L, 501L), seqs(order.next(1_000).join()));
      clock.addAndGet(10_000_000_000L);
      assertEquals(List.of(601L, 701L, 801L), seqs(order.next(1_000).join()), "at most one second's worth at once");
      clock.addAndGet(1_000_000_000L);
      assertTrue(order.backlogPending());
      assertEquals(List.of(901L), seqs(order.next(1_000).join()), "the backlog ends at the boundary");
      assertEquals(List.of(), order.next(1_000).join());
      assertFalse(order.backlogPending());
    }
  }

  @Test
  void aRestartSendsEverythingUnacknowledgedAgain() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      outbox.record(HUB, measurements(10)).join();
      var order = new FreshFirst(outbox, 1_000);
      outbox.record(HUB, measurements(10)).join();
      assertEquals(List.of(11L), seqs(order.next(100).join()));
      assertEquals(List.of(1L), seqs(order.next(100).join()));
      assertEquals(List.of(), order.next(100).join());

      order.restart();   // nothing was acknowledged: both go again, the newer one is backlog now too
      assertEquals(List.of(1L, 11L), seqs(order.next(100).join()));
    }
  }

  @Test
  void aRateBelowOneIsRefused() {
    try (var outbox = Outbox.open(dir.resolve("outbox.db"), OutboxLimits.DEFAULTS)) {
      var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new FreshFirst(outbox, 0));
      assertTrue(e.getMessage().contains("backlogPerSecond"));
    }
  }
}
