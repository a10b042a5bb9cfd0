package dev.outpost.cloud.impl.store;

import dev.outpost.cloud.MeasurementStore;
import dev.outpost.cloud.impl.ClientError;
import dev.outpost.cloud.impl.CloudException;
import dev.outpost.cloud.impl.ServerError;
import dev.outpost.cloud.impl.Unavailable;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.UploadAck;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MeasurementStore} on the database, in blocks: each batch of an upload becomes one row of
 * {@code measurement_block} per run of consecutive new sequence numbers (cut further by
 * {@link BlockEncoder}), its measurements encoded in one binary column. Uploads queue up and are
 * written by the one writer thread; uploads that arrive while a transaction runs are written
 * together in the next one. Exactly once: the highest stored sequence number of each source is
 * kept in memory, so a batch that starts above it is stored without a look-up; for sequence
 * numbers at or below it the stored blocks that overlap the batch are looked up by primary key.
 */
public final class JdbcMeasurementStore implements MeasurementStore {
  /** Sequence numbers take the low 40 bits of the block key (see the schema). */
  public static final int SEQ_BITS = 40;
  public static final long MAX_SEQ = (1L << SEQ_BITS) - 1;
  private static final Logger LOG = LoggerFactory.getLogger(JdbcMeasurementStore.class);
  /** At most about this many measurements go into one transaction. */
  private static final int MAX_GROUP_MEASUREMENTS = 100_000;
  /** Blocks sent to the database per JDBC batch. */
  private static final int BLOCKS_PER_EXECUTE = 64;
  /** How long senders wait when the database cannot write. */
  static final long RETRY_AFTER_SECONDS = 5;

  private final Vertx vertx;
  private final Database db;
  private final JdbcMachineStore machines;
  private final Map<Integer, Progress> progress = new ConcurrentHashMap<>();
  private final AtomicLong stored = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean writing = new AtomicBoolean();

  /** What is stored of one source: the highest sequence number, and the totals. */
  private record Progress(long maxSeq, long stored, long duplicates) {
    static final Progress NONE = new Progress(0, 0, 0);
  }

  private record Pending(long organisationId, Upload upload, int size, Context context, Promise<UploadAck> promise) {
    void complete(UploadAck ack) {
      context.runOnContext(v -> promise.tryComplete(ack));
    }

    void fail(Throwable failure) {
      context.runOnContext(v -> promise.tryFail(failure));
    }
  }

  private record SensorKey(int machineId, String sensor) {
  }

  /** What one transaction changed, made visible after its commit. */
  private static final class GroupResult {
    final Map<Integer, Progress> progress = new HashMap<>();
    final Map<SensorKey, Measurement> newest = new HashMap<>();
    final Set<Integer> seen = new HashSet<>();
    final List<UploadAck> acks = new ArrayList<>();
  }

  private JdbcMeasurementStore(Vertx vertx, Database db, JdbcMachineStore machines) {
    this.vertx = vertx;
    this.db = db;
    this.machines = machines;
  }

  /** Reads the per-source progress into memory. */
  public static Future<JdbcMeasurementStore> load(Vertx vertx, Database db, JdbcMachineStore machines) {
    var store = new JdbcMeasurementStore(vertx, db, machines);
    return db.read(c -> {
      try (var s = c.createStatement(); var rs = s.executeQuery(db.sql("select-progress"))) {
        while (rs.next()) {
          var p = new Progress(rs.getLong(2), rs.getLong(3), rs.getLong(4));
          store.progress.put(rs.getInt(1), p);
          store.stored.addAndGet(p.stored());
          store.duplicates.addAndGet(p.duplicates());
        }
      }
      return store;
    });
  }

  @Override
  public Future<UploadAck> append(long organisationId, Upload upload) {
    int size = 0;
    for (var batch : upload.batches()) {
      if (batch.lastSeq() > MAX_SEQ) {
        return Future.failedFuture(ClientError.badRequest("batch of " + batch.source().uid()
            + ": sequence numbers must stay below 2^" + SEQ_BITS));
      }
      size += batch.measurements().size();
    }
    var pending = new Pending(organisationId, upload, size, vertx.getOrCreateContext(), Promise.promise());
    queued.addAndGet(size);
    queue.add(pending);
    drain();
    return pending.promise().future();
  }

  /** Starts a transaction with everything queued, unless one is running (it drains again when done). */
  private void drain() {
    if (!writing.compareAndSet(false, true)) {
      return;
    }
    var group = new ArrayList<Pending>();
    int measurements = 0;
    Pending next;
    while (measurements < MAX_GROUP_MEASUREMENTS && (next = queue.poll()) != null) {
      group.add(next);
      measurements += next.size();
      queued.addAndGet(-next.size());
    }
    if (group.isEmpty()) {
      writing.set(false);
      if (!queue.isEmpty()) {
        drain();
      }
      return;
    }
    db.onWriterThread(() -> {
      write(group);
      return null;
    }).onComplete(done -> {
      writing.set(false);
      drain();
    });
  }

  /** On the writer thread: writes the group and completes every upload of it; never throws. */
  private void write(List<Pending> group) {
    var accepted = new ArrayList<Pending>(group.size());
    for (var pending : group) {
      try {
        var upload = pending.upload();
        var sources = upload.batches().stream().map(Batch::source).toList();
        machines.installAll(db.inTransaction(c -> machines.ensure(c, pending.organisationId(), sources, upload.via())));
        accepted.add(pending);
      } catch (Exception e) {
        pending.fail(asCloudException(e));
      }
    }
    if (accepted.isEmpty()) {
      return;
    }
    try {
      var result = db.inTransaction(c -> insert(c, accepted));
      publish(result);
      for (int i = 0; i < accepted.size(); i++) {
        accepted.get(i).complete(result.acks.get(i));
      }
    } catch (Exception e) {
      if (accepted.size() > 1) {
        LOG.warn("A transaction of {} uploads failed ({}); writing them one by one", accepted.size(), e.toString());
        accepted.forEach(p -> write(List.of(p)));
      } else {
        accepted.get(0).fail(asCloudException(e));
      }
    }
  }

  /**
   * A database failure (a full disk, a database that had to be opened again) is the cloud's
   * trouble of the moment, not a bug: senders are asked to try again later and keep their data.
   */
  private static CloudException asCloudException(Exception e) {
    if (e instanceof CloudException c) {
      return c;
    }
    if (e instanceof SQLException) {
      LOG.warn("storing an upload failed: {}", e.getMessage());
      return Unavailable.now("the cloud's database cannot store uploads now; send again later", RETRY_AFTER_SECONDS, e);
    }
    return new ServerError("storing an upload failed: " + e.getMessage(), e);
  }

  private GroupResult insert(Connection c, List<Pending> group) throws SQLException {
    var result = new GroupResult();
    var encoder = new BlockEncoder();
    try (var insert = c.prepareStatement(db.sql("insert-block"))) {
      int unsent = 0;
      for (var pending : group) {
        long uploadStored = 0;
        long uploadDuplicates = 0;
        var via = machines.byUid(pending.upload().via());
        if (via != null) {
          result.seen.add(via.id());
        }
        for (var batch : pending.upload().batches()) {
          var source = machines.byUid(batch.source().uid());
          int machineId = source.id();
          var before = result.progress.getOrDefault(machineId, progress.getOrDefault(machineId, Progress.NONE));
          var already = StoredRuns.NONE;
          if (batch.firstSeq() <= before.maxSeq()) {
            if (unsent > 0) {
              insert.executeBatch();
              unsent = 0;
            }
            already = storedRuns(c, machineId, batch.firstSeq(), Math.min(batch.lastSeq(), before.maxSeq()));
          }
          long batchStored = 0;
          var measurements = batch.measurements();
          for (int i = 0; i < measurements.size(); i++) {
            long seq = batch.firstSeq() + i;
            if (already.contains(seq)) {
              continue;
            }
            var m = measurements.get(i);
            encoder.add(seq, m.sensor(), m.time(), m.state(), m.values(), m.message());
            batchStored++;
            result.newest.merge(new SensorKey(machineId, m.sensor()), m, (a, b) -> b.time() >= a.time() ? b : a);
          }
          for (var block : encoder.finish()) {
            bind(insert, machineId, block);
            insert.addBatch();
            if (++unsent >= BLOCKS_PER_EXECUTE) {
              insert.executeBatch();
              unsent = 0;
            }
          }
          long batchDuplicates = measurements.size() - batchStored;
          result.progress.put(machineId, new Progress(Math.max(before.maxSeq(), batch.lastSeq()),
              before.stored() + batchStored, before.duplicates() + batchDuplicates));
          result.seen.add(machineId);
          uploadStored += batchStored;
          uploadDuplicates += batchDuplicates;
        }
        result.acks.add(new UploadAck(uploadStored, uploadDuplicates));
      }
      if (unsent > 0) {
        insert.executeBatch();
      }
    }
    try (var merge = c.prepareStatement(db.sql("merge-progress"))) {
      for (var e : result.progress.entrySet()) {
        merge.setInt(1, e.getKey());
        merge.setLong(2, e.getValue().maxSeq());
        merge.setLong(3, e.getValue().stored());
        merge.setLong(4, e.getValue().duplicates());
        merge.addBatch();
      }
      merge.executeBatch();
    }
    return result;
  }

  private static void bind(PreparedStatement insert, int machineId, Block block) throws SQLException {
    insert.setLong(1, blockKey(machineId, block.firstSeq()));
    insert.setInt(2, machineId);
    insert.setLong(3, block.firstSeq());
    insert.setLong(4, block.lastSeq());
    insert.setLong(5, block.minTime());
    insert.setLong(6, block.maxTime());
    insert.setString(7, block.sensors());
    insert.setBytes(8, block.data());
  }

  private static long blockKey(int machineId, long seq) {
    return ((long) machineId << SEQ_BITS) + seq;
  }

  /**
   * The runs of sequence numbers from {@code fromSeq} to {@code toSeq} that the machine's stored
   * blocks (committed, or written earlier in this transaction) hold. Blocks of one machine never
   * overlap, so those are the last block starting at or before {@code fromSeq} and every block
   * starting after it up to {@code toSeq}.
   */
  private StoredRuns storedRuns(Connection c, int machineId, long fromSeq, long toSeq) throws SQLException {
    var runs = new ArrayList<long[]>();
    try (var ps = c.prepareStatement(db.sql("select-block-before"))) {
      ps.setLong(1, blockKey(machineId, 0));
      ps.setLong(2, blockKey(machineId, fromSeq));
      try (var rs = ps.executeQuery()) {
        if (rs.next() && rs.getLong(2) >= fromSeq) {
          runs.add(new long[] {rs.getLong(1), rs.getLong(2)});
        }
      }
    }
    try (var ps = c.prepareStatement(db.sql("select-blocks-starting-between"))) {
      ps.setLong(1, blockKey(machineId, fromSeq + 1));
      ps.setLong(2, blockKey(machineId, toSeq));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          runs.add(new long[] {rs.getLong(1), rs.getLong(2)});
        }
      }
    }
    return new StoredRuns(runs);
  }

  /** Sorted, disjoint runs [first, last] of stored sequence numbers, asked about in ascending order. */
  private static final class StoredRuns {
    static final StoredRuns NONE = new StoredRuns(List.of());
    private final List<long[]> runs;
    private int next;

    StoredRuns(List<long[]> runs) {
      this.runs = runs;
    }

    /** Whether the seq is stored; seqs must be asked in ascending order. */
    boolean contains(long seq) {
      while (next < runs.size() && runs.get(next)[1] < seq) {
        next++;
      }
      return next < runs.size() && runs.get(next)[0] <= seq;
    }
  }

  /** After the commit: the new progress, totals, last-seen times and newest measurements. */
  private void publish(GroupResult result) {
    long now = System.currentTimeMillis();
    long newStored = 0;
    long newDuplicates = 0;
    for (var e : result.progress.entrySet()) {
      var old = progress.getOrDefault(e.getKey(), Progress.NONE);
      newStored += e.getValue().stored() - old.stored();
      newDuplicates += e.getValue().duplicates() - old.duplicates();
      progress.put(e.getKey(), e.getValue());
    }
    stored.addAndGet(newStored);
    duplicates.addAndGet(newDuplicates);
    result.seen.forEach(id -> machines.touch(id, now));
    result.newest.forEach((key, m) -> machines.offerLatest(key.machineId(), key.sensor(), Latest.of(m)));
  }

  @Override
  public Future<List<Stored>> between(String machineUid, String sensor, Instant from, Instant to, int limit) {
    var machine = machines.byUid(machineUid);
    long fromMs = epochMillis(from);
    long toMs = epochMillis(to);
    if (machine == null || limit <= 0 || fromMs > toMs) {
      return Future.succeededFuture(List.of());
    }
    long earliestStart = fromMs >= Long.MIN_VALUE + BlockEncoder.MAX_SPAN_MS ? fromMs - BlockEncoder.MAX_SPAN_MS : Long.MIN_VALUE;
    return db.read(c -> {
      var oldest = new Oldest(limit);
      try (var ps = c.prepareStatement(db.sql(sensor == null ? "select-blocks" : "select-blocks-of-sensor"))) {
        ps.setInt(1, machine.id());
        ps.setLong(2, earliestStart);
        ps.setLong(3, toMs);
        ps.setLong(4, fromMs);
        if (sensor != null) {
          ps.setString(5, Block.sensorPattern(sensor));
        }
        try (var rs = ps.executeQuery()) {
          // By earliest time: once the oldest `limit` are found, a block starting after them has none older.
          while (rs.next() && !(oldest.isFull() && rs.getLong(1) > oldest.newestTime())) {
            long firstSeq = rs.getLong(2);
            long lastSeq = rs.getLong(3);
            try {
              BlockDecoder.decode(rs.getBytes(4), (int) Math.min(lastSeq - firstSeq + 1, Integer.MAX_VALUE), sensor,
                  fromMs, toMs, (position, m) -> oldest.offer(firstSeq + position, m));
            } catch (CorruptBlockException e) {
              throw new ServerError("the measurements " + firstSeq + " to " + lastSeq + " of " + machineUid
                  + " cannot be read: " + e.getMessage(), e);
            }
          }
        }
      }
      return oldest.inOrder();
    });
  }

  /** The instant in epoch milliseconds, or the smallest or largest long if it is beyond them. */
  private static long epochMillis(Instant instant) {
    try {
      return instant.toEpochMilli();
    } catch (ArithmeticException e) {
      return instant.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** The oldest of the measurements offered, at most a limit of them, by time and then sequence number. */
  private static final class Oldest {
    private static final Comparator<Entry> ORDER = Comparator.comparingLong(Entry::time).thenComparingLong(Entry::seq);
    private final int limit;
    private final PriorityQueue<Entry> newestFirst;

    private record Entry(long time, long seq, Stored measurement) {
    }

    Oldest(int limit) {
      this.limit = limit;
      this.newestFirst = new PriorityQueue<>(Math.min(limit, 1024) + 1, ORDER.reversed());
    }

    void offer(long seq, Stored m) {
      var entry = new Entry(m.time().toEpochMilli(), seq, m);
      if (newestFirst.size() < limit) {
        newestFirst.add(entry);
      } else if (ORDER.compare(entry, newestFirst.peek()) < 0) {
        newestFirst.poll();
        newestFirst.add(entry);
      }
    }

    boolean isFull() {
      return newestFirst.size() >= limit;
    }

    long newestTime() {
      return newestFirst.peek().time();
    }

    List<Stored> inOrder() {
      var entries = new ArrayList<>(newestFirst);
      entries.sort(ORDER);
      return entries.stream().map(Entry::measurement).toList();
    }
  }

  @Override
  public long queued() {
    return queued.get();
  }

  @Override
  public long count() {
    return stored.get();
  }

  @Override
  public long countFor(String machineUid) {
    var machine = machines.byUid(machineUid);
    return machine == null ? 0 : progress.getOrDefault(machine.id(), Progress.NONE).stored();
  }

  @Override
  public long duplicates() {
    return duplicates.get();
  }
}
