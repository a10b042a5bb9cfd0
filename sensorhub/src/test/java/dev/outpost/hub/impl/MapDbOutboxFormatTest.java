package dev.outpost.hub.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.outpost.hub.Outbox;
import dev.outpost.hub.OutboxLimits;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Wire;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/** Outbox files written before the format marker are converted when opened; files from a newer format are refused. */
class MapDbOutboxFormatTest {
  private static final MachineRef HUB = new MachineRef("hub-1", "Hub 1", Role.HUB);
  private static final MachineRef OTHER = new MachineRef("hub-2", "Hub 2", Role.HUB);
  private static final long DAY = 24 * 3_600_000L;

  @TempDir
  Path dir;

  private static List<Measurement> measurementsAt(long time, int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> new Measurement("cpu", time + i, State.OK, Map.of("load", (double) i), Map.of(), ""))
        .toList();
  }

  private static DB openDirectly(Path file) {
    return DBMaker.fileDB(file.toFile()).fileMmapEnableIfSupported().transactionEnable().make();
  }

  /** Writes {@code batches} under {@code keys} as the code before the format marker did: a 4-byte count, then CBOR. */
  private static void writeCountOnlyFile(Path file, List<Long> keys, List<Batch> batches, long nextKey, long nextSeq,
                                         long dropped) {
    try (DB db = openDirectly(file)) {
      var entries = db.treeMap("entries", Serializer.LONG, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable().createOrOpen();
      long depth = 0;
      for (int i = 0; i < keys.size(); i++) {
        byte[] cbor = Wire.toCbor(batches.get(i));
        int count = batches.get(i).measurements().size();
        entries.put(keys.get(i), ByteBuffer.allocate(4 + cbor.length).putInt(count).put(cbor).array());
        depth += count;
      }
      db.atomicLong("nextKey", nextKey).createOrOpen();
      db.atomicLong("nextSeq", nextSeq).createOrOpen();
      db.atomicLong("depth", depth).createOrOpen();
      db.atomicLong("dropped", dropped).createOrOpen();
      db.commit();
    }
  }

  @Test
  void aFileWithoutFormatMarkerIsConvertedKeepingKeysSequencesAndCounters() {
    Path file = dir.resolve("outbox.db");
    long now = System.currentTimeMillis();
    var own = new Batch(HUB, 12, measurementsAt(now - 2 * DAY, 3));
    var stored = new Batch(OTHER, 40, measurementsAt(now - 3 * DAY, 2));
    var ownLater = new Batch(HUB, 15, measurementsAt(now, 4));
    writeCountOnlyFile(file, List.of(3L, 4L, 7L), List.of(own, stored, ownLater), 8, 19, 11);

    try (var outbox = Outbox.open(file, OutboxLimits.DEFAULTS)) {
      var entries = outbox.peek(0, 100).join();
      assertEquals(List.of(new Outbox.Entry(3, own), new Outbox.Entry(4, stored), new Outbox.Entry(7, ownLater)), entries);
      assertEquals(9, outbox.depth());
      assertEquals(11, outbox.dropped());
      assertEquals(0, outbox.expired());
      assertEquals(18, outbox.recorded());
      assertEquals(7, outbox.lastKey());
      assertEquals(now - 3 * DAY, outbox.oldestTime(), "times come from the decoded batches");

      outbox.record(HUB, measurementsAt(now, 1)).join();
      var added = outbox.peek(7, 100).join().get(0);
      assertEquals(8, added.key());
      assertEquals(19, added.batch().firstSeq());
    }
    try (DB db = openDirectly(file)) {
      assertEquals(MapDbOutbox.FORMAT, db.atomicInteger("format").open().get());
    }
    try (var outbox = Outbox.open(file, new OutboxLimits(0, Duration.ofDays(1)))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> outbox.expired() == 5);
      assertEquals(16, outbox.dropped(), "11 before, 5 older than a day");
      assertEquals(List.of(7L, 8L), outbox.peek(0, 100).join().stream().map(Outbox.Entry::key).toList());
      assertEquals(5, outbox.depth());
    }
  }

  @Test
  void aFileOfANewerFormatIsRefused() {
    Path file = dir.resolve("outbox.db");
    Outbox.open(file, OutboxLimits.DEFAULTS).close();
    try (DB db = openDirectly(file)) {
      db.atomicInteger("format").open().set(MapDbOutbox.FORMAT + 1);
      db.commit();
    }

    var refused = assertThrows(IllegalStateException.class, () -> Outbox.open(file, OutboxLimits.DEFAULTS));
    assertEquals("outbox " + file + " has format 3, this version reads 1 and 2 (was it written by a newer Outpost?)",
        refused.getMessage());
  }
}
