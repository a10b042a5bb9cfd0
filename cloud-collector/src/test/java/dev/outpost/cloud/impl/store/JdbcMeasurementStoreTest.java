package dev.outpost.cloud.impl.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.cloud.MeasurementStore.Stored;
import dev.outpost.cloud.impl.ClientError;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.UploadAck;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of {@link dev.outpost.cloud.MeasurementStore} on a real H2 file: exactly once per
 * (source, seq) across retries and restarts, range reads oldest first, and the migration of a
 * database that still stores one row per measurement.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JdbcMeasurementStoreTest {
  static final MachineRef CONNECTOR = new MachineRef("conn-1", "Connector One", Role.CONNECTOR);
  static final MachineRef HUB = new MachineRef("hub-1", "Hub One", Role.HUB);
  static final long T0 = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();
  static final Instant EVER_FROM = Instant.ofEpochMilli(1);
  static final Instant EVER_TO = Instant.parse("2100-01-01T00:00:00Z");

  @TempDir
  Path dir;
  Vertx vertx;
  Database db;
  JdbcMachineStore machines;
  JdbcMeasurementStore store;
  long organisation;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    db = Database.open(vertx, dir).await();
    organisation = db.write(c -> {
      try (var ps = c.prepareStatement(db.sql("insert-organisation"), java.sql.Statement.RETURN_GENERATED_KEYS)) {
        ps.setString(1, "acme");
        ps.executeUpdate();
        try (var keys = ps.getGeneratedKeys()) {
          keys.next();
          return keys.getLong(1);
        }
      }
    }).await();
    loadStores();
  }

  @AfterEach
  void close() {
    if (db != null) {
      db.close().await();
    }
    vertx.close().await();
  }

  private void loadStores() {
    machines = JdbcMachineStore.load(db).await();
    store = JdbcMeasurementStore.load(vertx, db, machines).await();
  }

  private void restart() {
    db.close().await();
    db = Database.open(vertx, dir).await();
    loadStores();
  }

  /** A measurement whose value and message name its sequence number, so a read shows which one it is. */
  static Measurement measurement(String sensor, long seq, long time) {
    State state = State.values()[(int) (seq % 3)];
    return new Measurement(sensor, time, state, Map.of("seq", (double) seq, "ratio", seq / 7.0),
        Map.of("ratio", "%"), "measurement " + seq);
  }

  /** One batch of the source: sequence numbers from firstSeq, times from the function of seq. */
  static Batch batch(MachineRef source, long firstSeq, int count, java.util.function.LongUnaryOperator timeOfSeq) {
    var list = new ArrayList<Measurement>();
    for (long seq = firstSeq; seq < firstSeq + count; seq++) {
      list.add(measurement("s" + seq % 3, seq, timeOfSeq.applyAsLong(seq)));
    }
    return new Batch(source, firstSeq, list);
  }

  static Upload upload(Batch... batches) {
    return new Upload(CONNECTOR.uid(), List.of(batches));
  }

  /** Seconds after T0 by seq: the default times of these tests. */
  static long bySeq(long seq) {
    return T0 + seq * 1000;
  }

  private UploadAck append(Batch... batches) {
    return store.append(organisation, upload(batches)).await();
  }

  private List<Stored> all(MachineRef source) {
    return store.between(source.uid(), null, EVER_FROM, EVER_TO, 100_000).await();
  }

  static List<Long> seqs(List<Stored> rows) {
    return rows.stream().map(r -> r.values().get("seq").longValue()).toList();
  }

  static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  static void assertIsMeasurement(long seq, long time, Stored row) {
    assertEquals("s" + seq % 3, row.sensor());
    assertEquals(Instant.ofEpochMilli(time), row.time());
    assertEquals(State.values()[(int) (seq % 3)], row.state());
    assertEquals(Map.of("seq", (double) seq, "ratio", seq / 7.0), row.values());
    assertEquals("measurement " + seq, row.message());
  }

  @Test
  void batchesAreStoredAndReadBackOldestFirst() {
    // Two batches whose times interleave, and a third at the time of seq 2.
    var first = batch(HUB, 1, 5, seq -> T0 + seq * 2000);
    var second = batch(HUB, 6, 5, seq -> T0 + (seq - 5) * 2000 + 1000);
    var equalTime = batch(HUB, 11, 1, seq -> T0 + 4000);

    assertEquals(new UploadAck(5, 0), append(first));
    assertEquals(new UploadAck(6, 0), append(second, equalTime));

    var rows = all(HUB);
    assertEquals(List.of(1L, 6L, 2L, 11L, 7L, 3L, 8L, 4L, 9L, 5L, 10L), seqs(rows), "by time, then seq");
    assertIsMeasurement(1, T0 + 2000, rows.get(0));
    assertIsMeasurement(6, T0 + 3000, rows.get(1));
    assertIsMeasurement(11, T0 + 4000, rows.get(3));
    assertEquals(11, store.count());
    assertEquals(11, store.countFor(HUB.uid()));
    assertEquals(0, store.countFor("nobody"));
    assertEquals(List.of(), store.between("nobody", null, EVER_FROM, EVER_TO, 10).await());
  }

  @Test
  void theNewestMeasurementAndLastSeenFollowTheAppends() {
    append(batch(HUB, 1, 6, JdbcMeasurementStoreTest::bySeq));

    var latest = machines.latest(organisation, HUB.uid()).await();
    assertEquals(T0 + 6000, latest.get("s0").timeMs(), "seq 6 is the newest of s0");
    assertEquals(Map.of("ratio", "%"), latest.get("s0").units(), "the newest keeps its units");
    assertEquals(T0 + 5000, latest.get("s2").timeMs());
    assertTrue(machines.machine(organisation, HUB.uid()).await().lastSeenMs() > 0);
  }

  @Test
  void repeatsAreCountedAndNotStoredTwice() {
    var batch = batch(HUB, 1, 4, JdbcMeasurementStoreTest::bySeq);

    assertEquals(new UploadAck(4, 0), append(batch));
    assertEquals(new UploadAck(0, 4), append(batch));
    assertEquals(new UploadAck(0, 8), append(batch, batch), "a batch repeated within one upload too");

    assertEquals(range(1, 4), seqs(all(HUB)));
    assertEquals(4, store.count());
    assertEquals(12, store.duplicates());
  }

  @Test
  void aRetryThatPartlyOverlapsStoresOnlyTheMissingSequenceNumbers() {
    append(batch(HUB, 1, 3, JdbcMeasurementStoreTest::bySeq));
    append(batch(HUB, 6, 2, JdbcMeasurementStoreTest::bySeq));
    append(batch(HUB, 9, 1, JdbcMeasurementStoreTest::bySeq));

    var ack = append(batch(HUB, 2, 10, JdbcMeasurementStoreTest::bySeq));

    assertEquals(new UploadAck(5, 5), ack, "4, 5, 8, 10 and 11 are new; 2, 3, 6, 7 and 9 repeats");
    var rows = all(HUB);
    assertEquals(range(1, 11), seqs(rows));
    for (int i = 0; i < rows.size(); i++) {
      assertIsMeasurement(i + 1, bySeq(i + 1), rows.get(i));
    }
    assertEquals(11, store.countFor(HUB.uid()));
    assertEquals(5, store.duplicates());
  }

  @Test
  void aRetryBelowTheNewestStoredFindsTheGapsBetweenBlocks() {
    append(batch(HUB, 100, 50, JdbcMeasurementStoreTest::bySeq));
    append(batch(HUB, 1, 10, JdbcMeasurementStoreTest::bySeq));

    assertEquals(new UploadAck(90, 60), append(batch(HUB, 1, 150, JdbcMeasurementStoreTest::bySeq)));
    assertEquals(range(1, 150), seqs(all(HUB)));
  }

  @Test
  void theSensorFilterTimeBoundsAndLimitApply() {
    append(batch(HUB, 1, 30, JdbcMeasurementStoreTest::bySeq));

    var s1 = store.between(HUB.uid(), "s1", EVER_FROM, EVER_TO, 100).await();
    assertEquals(List.of(1L, 4L, 7L, 10L, 13L, 16L, 19L, 22L, 25L, 28L), seqs(s1));
    assertTrue(s1.stream().allMatch(r -> r.sensor().equals("s1")));
    assertEquals(List.of(), store.between(HUB.uid(), "s9", EVER_FROM, EVER_TO, 100).await());

    var bounded = store.between(HUB.uid(), null, Instant.ofEpochMilli(bySeq(5)), Instant.ofEpochMilli(bySeq(9)), 100).await();
    assertEquals(range(5, 9), seqs(bounded), "both bounds are inclusive");
    var justInside = store.between(HUB.uid(), null, Instant.ofEpochMilli(bySeq(5) - 1), Instant.ofEpochMilli(bySeq(9) + 1), 100).await();
    assertEquals(range(5, 9), seqs(justInside));
    var oneMillisecond = store.between(HUB.uid(), null, Instant.ofEpochMilli(bySeq(7)), Instant.ofEpochMilli(bySeq(7)), 100).await();
    assertEquals(List.of(7L), seqs(oneMillisecond));

    assertEquals(range(1, 4), seqs(store.between(HUB.uid(), null, EVER_FROM, EVER_TO, 4).await()), "the oldest four");
    assertEquals(List.of(2L, 5L), seqs(store.between(HUB.uid(), "s2", EVER_FROM, EVER_TO, 2).await()));
    assertEquals(List.of(), store.between(HUB.uid(), null, Instant.ofEpochMilli(bySeq(31)), EVER_TO, 100).await());
  }

  @Test
  void aRestartKeepsCountsProgressAndDataAndStillDiscardsRepeats() {
    var other = new MachineRef("hub-2", "Hub Two", Role.HUB);
    append(batch(HUB, 1, 20, JdbcMeasurementStoreTest::bySeq), batch(other, 1, 5, JdbcMeasurementStoreTest::bySeq));
    append(batch(HUB, 15, 10, JdbcMeasurementStoreTest::bySeq));

    restart();

    assertEquals(29, store.count());
    assertEquals(24, store.countFor(HUB.uid()));
    assertEquals(5, store.countFor(other.uid()));
    assertEquals(6, store.duplicates());
    assertEquals(range(1, 24), seqs(all(HUB)));
    assertEquals(new UploadAck(1, 25), append(batch(HUB, 1, 25, JdbcMeasurementStoreTest::bySeq), batch(other, 5, 1,
        JdbcMeasurementStoreTest::bySeq)), "seq 25 of hub-1 is new, the rest repeats");
    restart();
    assertEquals(30, store.count());
    assertEquals(31, store.duplicates());
    assertEquals(range(1, 25), seqs(all(HUB)));
  }

  @Test
  void concurrentAppendsFromSeveralSourcesAreAllStoredOnce() throws Exception {
    int sources = 4;
    int uploads = 40;
    int size = 250;
    var futures = new CopyOnWriteArrayList<Future<UploadAck>>();
    var pool = Executors.newFixedThreadPool(sources);
    try {
      var sent = new ArrayList<java.util.concurrent.Future<?>>();
      for (int s = 0; s < sources; s++) {
        var source = new MachineRef("hub-" + s, "Hub " + s, Role.HUB);
        sent.add(pool.submit(() -> {
          for (int u = 0; u < uploads; u++) {
            futures.add(store.append(organisation, upload(batch(source, 1L + (long) u * size, size, JdbcMeasurementStoreTest::bySeq))));
            if (u > 0) {
              // the connector's retry of the previous upload
              futures.add(store.append(organisation, upload(batch(source, 1L + (long) (u - 1) * size, size, JdbcMeasurementStoreTest::bySeq))));
            }
          }
        }));
      }
      for (var f : sent) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdown();
    }
    Future.all(futures).await();

    long acked = futures.stream().mapToLong(f -> f.result().stored()).sum();
    long ackedDuplicates = futures.stream().mapToLong(f -> f.result().duplicates()).sum();
    assertEquals((long) sources * uploads * size, acked);
    assertEquals((long) sources * (uploads - 1) * size, ackedDuplicates);
    assertEquals(acked, store.count());
    assertEquals(ackedDuplicates, store.duplicates());
    for (int s = 0; s < sources; s++) {
      var source = new MachineRef("hub-" + s, "Hub " + s, Role.HUB);
      assertEquals((long) uploads * size, store.countFor(source.uid()));
      assertEquals(range(1, (long) uploads * size), seqs(all(source)));
    }
  }

  @Test
  void sequenceNumbersFrom2To40AreRefusedWith400() {
    var tooHigh = batch(HUB, JdbcMeasurementStore.MAX_SEQ, 2, seq -> T0);

    var error = assertThrows(ClientError.class, () -> store.append(organisation, upload(tooHigh)).await());
    assertEquals(400, error.status());
    assertTrue(error.getMessage().contains("2^40"), error.getMessage());
    assertEquals(0, store.count());

    var highest = batch(HUB, JdbcMeasurementStore.MAX_SEQ, 1, seq -> T0);
    assertEquals(new UploadAck(1, 0), append(highest), "the highest allowed sequence number is stored");
    assertEquals(new UploadAck(0, 1), append(highest));
    assertEquals(1, all(HUB).size());
  }

  /**
   * Random uploads and retries of one source, with times that jump back and forth across block
   * spans; then random range reads compared with a plain list.
   */
  @Test
  void rangeReadsAgreeWithAPlainList() {
    var random = new Random(42);
    var model = new TreeMap<Long, Measurement>();
    long next = 1;
    long clock = T0;
    for (int u = 0; u < 120; u++) {
      int count = 1 + random.nextInt(random.nextInt(10) == 0 ? 600 : 40);
      var list = new ArrayList<Measurement>();
      for (int i = 0; i < count; i++) {
        clock += random.nextInt(2000) - 500;
        long time = random.nextInt(50) == 0 ? clock - random.nextInt(600_000) : clock;
        list.add(measurement("s" + random.nextInt(4), next + i, time));
      }
      var batch = new Batch(HUB, next, list);
      for (int i = 0; i < count; i++) {
        model.put(next + i, list.get(i));
      }
      next += count;
      append(batch);
      if (random.nextInt(5) == 0) {
        long retryFrom = 1 + random.nextInt((int) next - 1);
        int retryCount = (int) Math.min(next - retryFrom, 1 + random.nextInt(300));
        var retry = new Batch(HUB, retryFrom, new ArrayList<>(model.subMap(retryFrom, retryFrom + retryCount).values()));
        assertEquals(new UploadAck(0, retryCount), append(retry));
      }
    }
    assertEquals(model.size(), store.count());
    long first = model.values().stream().mapToLong(Measurement::time).min().orElseThrow();
    long last = model.values().stream().mapToLong(Measurement::time).max().orElseThrow();

    for (int q = 0; q < 200; q++) {
      long from = first - 1000 + (long) (random.nextDouble() * (last - first + 2000));
      long to = from + (long) (random.nextDouble() * random.nextDouble() * (last - first));
      String sensor = random.nextBoolean() ? null : "s" + random.nextInt(5);
      int limit = 1 + random.nextInt(random.nextBoolean() ? 20 : 5000);
      var expected = model.entrySet().stream()
          .filter(e -> e.getValue().time() >= from && e.getValue().time() <= to)
          .filter(e -> sensor == null || sensor.equals(e.getValue().sensor()))
          .sorted(Comparator.comparingLong((Map.Entry<Long, Measurement> e) -> e.getValue().time()).thenComparingLong(Map.Entry::getKey))
          .limit(limit)
          .map(Map.Entry::getKey)
          .toList();

      var rows = store.between(HUB.uid(), sensor, Instant.ofEpochMilli(from), Instant.ofEpochMilli(to), limit).await();

      assertEquals(expected, seqs(rows), "from " + from + " to " + to + " sensor " + sensor + " limit " + limit);
      for (var row : rows) {
        var m = model.get(row.values().get("seq").longValue());
        assertEquals(new Stored(m.sensor(), Instant.ofEpochMilli(m.time()), m.state(), m.values(), m.message()), row);
      }
    }
  }

  @Test
  void aDatabaseWithOneRowPerMeasurementOpensWithItsMeasurements(@TempDir Path old) throws Exception {
    // Schema version 1 with rows as the code of that version wrote them.
    var url = Database.url(old);
    Database.flyway(url).target("1").load().migrate();
    try (var c = DriverManager.getConnection(url, "outpost", "")) {
      try (var s = c.createStatement()) {
        s.execute("INSERT INTO organisation (id, name, created_at) VALUES (1, 'acme', CURRENT_TIMESTAMP)");
        s.execute("INSERT INTO machine (id, uid, organisation_id, name, role, via, last_seen_ms, config_version)"
            + " VALUES (7, 'hub-1', 1, 'Hub One', 'hub', 'conn-1', NULL, 1)");
        s.execute("INSERT INTO machine (id, uid, organisation_id, name, role, via, last_seen_ms, config_version)"
            + " VALUES (8, 'hub-2', 1, 'Hub Two', 'hub', 'conn-1', NULL, 1)");
        s.execute("INSERT INTO source_progress (machine_id, max_seq, stored, duplicates) VALUES (7, 12, 11, 3), (8, 2, 2, 0)");
      }
      try (var insert = c.prepareStatement(
          "INSERT INTO measurement (source_seq, machine_id, sensor, time_ms, state, vals, message) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        for (long seq : new long[] {1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12}) {
          oldRow(insert, 7, seq, "s" + seq % 3, bySeq(seq), (int) (seq % 3), "{\"seq\":" + seq + ".0,\"ratio\":" + seq / 7.0 + "}",
              "measurement " + seq);
        }
        oldRow(insert, 8, 1, "cpu", T0, 0, "{}", "");
        oldRow(insert, 8, 2, "cpu", T0 + 120_000, 2, "{\"load\":0.5}", "too busy");
      }
    }

    db.close().await();
    db = Database.open(vertx, old).await();
    loadStores();

    assertEquals(13, store.count());
    assertEquals(11, store.countFor(HUB.uid()));
    assertEquals(3, store.duplicates());
    var rows = all(HUB);
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 8L, 9L, 10L, 11L, 12L), seqs(rows));
    assertIsMeasurement(12, bySeq(12), rows.get(10));
    assertEquals(List.of(new Stored("cpu", Instant.ofEpochMilli(T0), State.OK, Map.of(), ""),
        new Stored("cpu", Instant.ofEpochMilli(T0 + 120_000), State.ERROR, Map.of("load", 0.5), "too busy")),
        store.between("hub-2", "cpu", EVER_FROM, EVER_TO, 10).await());
    assertEquals(List.of(8L, 9L), seqs(store.between(HUB.uid(), null, Instant.ofEpochMilli(bySeq(7)), Instant.ofEpochMilli(bySeq(9)), 10).await()));

    assertEquals(new UploadAck(3, 11), append(batch(HUB, 1, 14, JdbcMeasurementStoreTest::bySeq)), "7, 13 and 14 are new");
    assertEquals(range(1, 14), seqs(all(HUB)));
    assertFalse(db.read(c -> c.getMetaData().getTables(null, "PUBLIC", "MEASUREMENT", null).next()).await(),
        "the old table is gone");
  }

  private static void oldRow(java.sql.PreparedStatement insert, int machine, long seq, String sensor, long time, int state,
                             String vals, String message) throws java.sql.SQLException {
    insert.setLong(1, ((long) machine << 40) + seq);
    insert.setInt(2, machine);
    insert.setString(3, sensor);
    insert.setLong(4, time);
    insert.setInt(5, state);
    insert.setString(6, vals);
    insert.setString(7, message);
    insert.executeUpdate();
  }
}
