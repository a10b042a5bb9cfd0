package dev.outpost.hub.impl;

import dev.outpost.hub.Outbox;
import dev.outpost.hub.OutboxLimits;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Wire;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.mapdb.Atomic;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Outbox} on a MapDB file: a {@code BTreeMap<Long, byte[]>} used as an append log, one
 * entry per batch (a header with the measurement count and the oldest and newest measurement time,
 * then the CBOR batch), an index of the entries by their oldest measurement, and counters for the
 * next key, the next sequence number, the depth and the drops, all changed in the same transaction.
 * The header lets the limits and the reads count and age entries without decoding them; the index
 * gives the oldest measurement waiting and the entries that may have expired without a scan.
 *
 * <p>One thread owns the database. It takes every operation waiting in its queue, applies the
 * writes, drops what the limits no longer allow, commits once, and only then answers reads, so a
 * peek never shows data that a crash could still take back. When no work comes, it wakes every
 * {@link #IDLE_CHECK} to drop entries that became too old while waiting.
 */
public final class MapDbOutbox implements Outbox {
  private static final Logger log = LoggerFactory.getLogger(MapDbOutbox.class);

  /** The first layout, with no format marker in the file: a 4-byte measurement count, then the CBOR batch. */
  private static final int FORMAT_COUNT_ONLY = 1;
  /** The layout this code writes: {@link #HEADER_BYTES} of header, then the CBOR batch. */
  static final int FORMAT = 2;
  /** Measurement count (int), oldest and newest measurement time (long epoch ms). */
  private static final int HEADER_BYTES = 4 + 8 + 8;
  /** How long the owner thread waits for work before it checks for expired entries anyway. */
  private static final Duration IDLE_CHECK = Duration.ofSeconds(2);
  /** Drops are logged at once, then summed up at most once per this period, so a full outbox does not flood the log. */
  private static final long DROP_LOG_EVERY_MS = 60_000;

  private final String name;
  private final OutboxLimits limits;
  private final long maxAgeMillis;
  private final DB db;
  private final BTreeMap<Long, byte[]> entries;
  /**
   * {oldest measurement time, key, newest measurement time} of every entry, in that order: the first
   * holds the oldest measurement waiting, and an expired entry is among those whose oldest measurement
   * is older than the cutoff. One index rather than a second one by newest time, because each costs
   * about as much as the entry itself on every append and removal.
   */
  private final NavigableSet<long[]> byOldest;
  private final Atomic.Long nextKey;
  private final Atomic.Long nextSeq;
  private final Atomic.Long storedDepth;
  private final Atomic.Long storedDropped;
  private final Atomic.Long storedExpired;
  /** Measurements in the entries, as the owner thread changes them; {@link #depth} is the committed value. */
  private long waiting;
  // What readers see: written by the owner thread after each commit only.
  private volatile long depth;
  private volatile long dropped;
  private volatile long expired;
  private volatile long recorded;
  private volatile long lastKey;
  private volatile long oldestTime;
  private final DropLog dropLog = new DropLog();
  /**
   * Entries dropped lately (key → {measurements, 1 if for age}): an entry can be dropped while a
   * frame that carries it is on its way, and the next hop may still take it. When its acknowledgement
   * comes ({@link #remove}), it was delivered after all and no longer counts as dropped, so that
   * {@code dropped} is exactly what never arrived. Owner thread only; the newest
   * {@value #RECENT_DROPS} drops are kept (more than any window of frames in flight).
   */
  private final java.util.LinkedHashMap<Long, int[]> recentDrops = new java.util.LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<Long, int[]> eldest) {
      return size() > RECENT_DROPS;
    }
  };
  private static final int RECENT_DROPS = 100_000;
  /** Entries that may have arrived although unacknowledged ({@link #mayHaveArrived}); owner thread only. */
  private final java.util.Set<Long> unsure = new java.util.HashSet<>();
  private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
  private final Thread owner;
  private volatile boolean closed;

  private MapDbOutbox(Path file, OutboxLimits limits) {
    this.name = file.getFileName().toString();
    this.limits = limits;
    this.maxAgeMillis = saturatedMillis(limits.maxAge());
    this.db = DBMaker.fileDB(file.toFile())
        .fileMmapEnableIfSupported()
        .transactionEnable()
        .make();
    try {
      int format = formatOf(file);
      this.entries = db.treeMap("entries", Serializer.LONG, Serializer.BYTE_ARRAY)
          .valuesOutsideNodesEnable()
          .createOrOpen();
      this.byOldest = db.treeSet("byOldest", Serializer.LONG_ARRAY).createOrOpen();
      this.nextKey = db.atomicLong("nextKey", 1).createOrOpen();
      this.nextSeq = db.atomicLong("nextSeq", 1).createOrOpen();
      this.storedDepth = db.atomicLong("depth", 0).createOrOpen();
      this.storedDropped = db.atomicLong("dropped", 0).createOrOpen();
      this.storedExpired = db.atomicLong("expired", 0).createOrOpen();
      if (format == FORMAT_COUNT_ONLY) {
        convertFromCountOnly(file);
      }
      db.atomicInteger("format", FORMAT).createOrOpen().set(FORMAT);
      db.commit();
    } catch (RuntimeException e) {
      db.rollback();
      db.close();
      throw e;
    }
    waiting = storedDepth.get();
    dropped = storedDropped.get();
    expired = storedExpired.get();
    publish();
    this.owner = new Thread(this::run, "outbox-" + name);
    owner.setDaemon(true);
    owner.start();
  }

  public static MapDbOutbox open(Path file, OutboxLimits limits) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create the folder of outbox " + file, e);
    }
    return new MapDbOutbox(file, limits);
  }

  /**
   * Reads the counters and the oldest entry of an outbox file opened read-only, without memory
   * mapping (a running service may grow the file meanwhile) and without replaying or writing anything.
   */
  public static Outbox.Summary summary(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("no outbox at " + file);
    }
    try (DB db = DBMaker.fileDB(file.toFile()).readOnly().transactionEnable().make()) {
      if (!db.exists("depth")) {
        return new Outbox.Summary(0, 0, 0, 0);
      }
      NavigableSet<long[]> byOldest = db.exists("byOldest")
          ? db.treeSet("byOldest", Serializer.LONG_ARRAY).open() : new java.util.TreeSet<>();
      long oldest = byOldest.isEmpty() ? 0 : byOldest.first()[0];
      return new Outbox.Summary(db.atomicLong("depth").open().get(), longOrZero(db, "dropped"),
          longOrZero(db, "expired"), oldest);
    } catch (org.mapdb.DBException e) {
      throw new IllegalStateException(file + " cannot be read as an outbox: " + e.getMessage(), e);
    }
  }

  private static long longOrZero(DB db, String name) {
    return db.exists(name) ? db.atomicLong(name).open().get() : 0;
  }

  @Override
  public CompletableFuture<Void> record(MachineRef source, List<Measurement> measurements) {
    if (measurements.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return submit(new Op.Append(source, List.copyOf(measurements), new CompletableFuture<>()));
  }

  @Override
  public CompletableFuture<Void> store(List<Batch> batches) {
    if (batches.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return submit(new Op.StoreBatches(List.copyOf(batches), new CompletableFuture<>()));
  }

  @Override
  public CompletableFuture<List<Entry>> peek(long afterKey, long upToKey, int maxMeasurements) {
    return submit(new Op.Peek(afterKey, upToKey, maxMeasurements, new CompletableFuture<>()));
  }

  @Override
  public CompletableFuture<Void> remove(List<Long> keys) {
    return submit(new Op.Remove(List.copyOf(keys), new CompletableFuture<>()));
  }

  @Override
  public CompletableFuture<Void> mayHaveArrived(List<Long> keys) {
    return submit(new Op.MayHaveArrived(List.copyOf(keys), new CompletableFuture<>()));
  }

  @Override
  public long depth() {
    return depth;
  }

  @Override
  public long recorded() {
    return recorded;
  }

  @Override
  public long dropped() {
    return dropped;
  }

  @Override
  public long expired() {
    return expired;
  }

  @Override
  public long lastKey() {
    return lastKey;
  }

  @Override
  public long oldestTime() {
    return oldestTime;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    var done = submit(new Op.Close(new CompletableFuture<>()));
    done.join();
  }

  private <T> CompletableFuture<T> submit(Op op) {
    @SuppressWarnings("unchecked")
    CompletableFuture<T> result = (CompletableFuture<T>) op.result();
    if (closed) {
      result.completeExceptionally(new IllegalStateException("outbox is closed"));
      return result;
    }
    queue.add(op);
    if (closed && queue.remove(op)) {
      // the owner stopped without taking it: it may have failed the waiting operations before this one came
      result.completeExceptionally(new IllegalStateException("outbox is closed"));
    }
    return result;
  }

  private void run() {
    var ops = new ArrayList<Op>();
    while (true) {
      try {
        Op first = queue.poll(IDLE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
        if (first != null) {
          ops.add(first);
        }
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(ops);
      boolean stop = serve(ops);
      ops.clear();
      if (stop) {
        return;
      }
    }
  }

  /**
   * Applies the writes, drops what is too old and then what is too much, commits once, then answers
   * reads. With no operations it only expires. Returns true when closed.
   */
  private boolean serve(List<Op> ops) {
    long now = System.currentTimeMillis();
    long cutoff = now - maxAgeMillis;
    var drops = new Drops();
    var applied = new ArrayList<Op>(ops.size());
    var reads = new ArrayList<Op.Peek>();
    Op.Close close = null;
    for (Op op : ops) {
      try {
        if (op instanceof Op.Append r) {
          long seq = nextSeq.get();
          nextSeq.set(seq + r.measurements().size());
          var batch = new Batch(r.source(), seq, r.measurements());
          append(batch, Span.of(batch), cutoff, drops);
          applied.add(op);
        } else if (op instanceof Op.StoreBatches s) {
          s.batches().forEach(batch -> append(batch, new Span(now, now), cutoff, drops));
          applied.add(op);
        } else if (op instanceof Op.Remove rm) {
          for (long key : rm.keys()) {
            if (removeEntry(key) == 0) {
              int[] dropped = recentDrops.remove(key);
              if (dropped != null) {
                drops.delivered(dropped[0], dropped[1] == 1);
              }
            }
          }
          applied.add(op);
        } else if (op instanceof Op.MayHaveArrived m) {
          m.keys().stream().filter(entries::containsKey).forEach(unsure::add);
          m.result().complete(null);
        } else if (op instanceof Op.Peek p) {
          reads.add(p);
        } else if (op instanceof Op.Close c) {
          close = c;
        }
      } catch (RuntimeException e) {
        op.result().completeExceptionally(e);
      }
    }
    expire(cutoff, drops);
    enforceLimit(drops);
    if (!applied.isEmpty() || drops.any()) {
      commit(applied, drops);
    }
    dropLog.report(now);
    reads.forEach(this::answer);
    if (close != null) {
      dropLog.flush();
      closed = true;
      db.close();
      close.result().complete(null);
      queue.forEach(op -> op.result().completeExceptionally(new IllegalStateException("outbox is closed")));
      return true;
    }
    return false;
  }

  /** Commits the cycle's changes with the counters, then publishes them and answers the writes. */
  private void commit(List<Op> applied, Drops drops) {
    long droppedNow = dropped + drops.fullMeasurements + drops.expiredMeasurements - drops.deliveredMeasurements;
    long expiredNow = expired + drops.expiredMeasurements - drops.deliveredExpired;
    storedDepth.set(waiting);
    storedDropped.set(droppedNow);
    storedExpired.set(expiredNow);
    try {
      db.commit();
    } catch (RuntimeException e) {
      log.error("outbox commit failed; {} writes refused", applied.size(), e);
      db.rollback();
      waiting = storedDepth.get();
      applied.forEach(op -> op.result().completeExceptionally(e));
      return;
    }
    dropped = droppedNow; // before expired: a reader that reads expired first never sees dropped < expired
    expired = expiredNow;
    publish();
    dropLog.add(drops);
    applied.forEach(op -> op.result().complete(null));
  }

  /** Makes the committed state readable from other threads. */
  private void publish() {
    depth = waiting;
    recorded = nextSeq.get() - 1;
    lastKey = nextKey.get() - 1;
    oldestTime = byOldest.isEmpty() ? 0 : byOldest.first()[0];
  }

  /**
   * Writes the batch as the next entry with its times (its measurements' own, or its arrival for
   * batches of other machines), or only counts it when it is already too old.
   */
  private void append(Batch batch, Span span, long cutoff, Drops drops) {
    int count = batch.measurements().size();
    if (span.newest() < cutoff) {
      drops.expired(count);
      return;
    }
    byte[] cbor = Wire.toCbor(batch);
    byte[] value = header(count, span, cbor.length).put(cbor).array();
    long key = nextKey.get();
    nextKey.set(key + 1);
    entries.put(key, value);
    byOldest.add(span.indexRow(key));
    waiting += count;
  }

  /** Removes one entry and its index rows; returns its measurement count, 0 when there was no such entry. */
  private int removeEntry(long key) {
    byte[] value = entries.remove(key);
    unsure.remove(key);
    if (value == null) {
      return 0;
    }
    var header = ByteBuffer.wrap(value, 0, HEADER_BYTES);
    int count = header.getInt();
    byOldest.remove(new Span(header.getLong(), header.getLong()).indexRow(key));
    waiting -= count;
    return count;
  }

  /**
   * Drops every entry whose newest measurement is older than {@code cutoff}. It looks only at entries
   * whose oldest measurement is older: those that expired, and the few that span the cutoff.
   */
  private void expire(long cutoff, Drops drops) {
    var expiredKeys = new ArrayList<Long>();
    for (long[] row : byOldest) {
      if (row[0] >= cutoff) {
        break;
      }
      if (row[2] < cutoff) {
        expiredKeys.add(row[1]);
      }
    }
    for (long key : expiredKeys) {
      int count = removeEntry(key);
      drops.expired(count);
      recentDrops.put(key, new int[] {count, 1});
    }
  }

  /** Drops the oldest entries (those that may have arrived last) while the outbox holds more than its limit. */
  private void enforceLimit(Drops drops) {
    while (waiting > limits.maxMeasurements() && !entries.isEmpty()) {
      long key = entries.firstKey();
      // entries that may have arrived go last: dropped, they would count although delivered
      while (unsure.contains(key) && entries.higherKey(key) != null) {
        key = entries.higherKey(key);
      }
      int count = removeEntry(key);
      drops.full(count);
      recentDrops.put(key, new int[] {count, 0});
    }
  }

  private void answer(Op.Peek peek) {
    try {
      var found = new ArrayList<Entry>();
      if (peek.upToKey() > peek.afterKey()) {
        int measurements = 0;
        for (var e : entries.subMap(peek.afterKey(), false, peek.upToKey(), true).entrySet()) {
          int count = ByteBuffer.wrap(e.getValue(), 0, 4).getInt();
          if (!found.isEmpty() && measurements + count > peek.maxMeasurements()) {
            break;
          }
          found.add(new Entry(e.getKey(), decode(e.getValue(), HEADER_BYTES)));
          measurements += count;
        }
      }
      peek.result().complete(found);
    } catch (RuntimeException e) {
      peek.result().completeExceptionally(e);
    }
  }

  /** A buffer for an entry's value with its header written, room left for {@code cborLength} bytes of CBOR. */
  private static ByteBuffer header(int count, Span span, int cborLength) {
    return ByteBuffer.allocate(HEADER_BYTES + cborLength).putInt(count).putLong(span.oldest()).putLong(span.newest());
  }

  private static Batch decode(byte[] value, int cborOffset) {
    return Wire.fromCbor(Arrays.copyOfRange(value, cborOffset, value.length), Batch.class);
  }

  /**
   * The layout of the file just opened: the marker if there is one, {@link #FORMAT_COUNT_ONLY} for a
   * file written before the marker existed, {@link #FORMAT} for a new file.
   */
  private int formatOf(Path file) {
    if (!db.exists("format")) {
      return db.exists("entries") ? FORMAT_COUNT_ONLY : FORMAT;
    }
    int format = db.atomicInteger("format").open().get();
    if (format != FORMAT) {
      throw new IllegalStateException("outbox " + file + " has format " + format + ", this version reads "
          + FORMAT_COUNT_ONLY + " and " + FORMAT + " (was it written by a newer Outpost?)");
    }
    return format;
  }

  /**
   * Rewrites every entry of a {@link #FORMAT_COUNT_ONLY} file with the new header and fills the
   * index, in the transaction that opens the file: a crash leaves the old file to convert again.
   * Keys, sequence numbers, depth and drops stay as they are.
   */
  private void convertFromCountOnly(Path file) {
    long converted = 0;
    for (var e : entries.entrySet()) {
      long key = e.getKey();
      byte[] old = e.getValue();
      Batch batch;
      try {
        batch = decode(old, 4);
      } catch (RuntimeException unreadable) {
        throw new IllegalStateException("outbox " + file + " cannot be converted to format " + FORMAT + ": entry "
            + key + " is unreadable: " + unreadable.getMessage(), unreadable);
      }
      var span = Span.of(batch);
      int cborLength = old.length - 4;
      entries.put(key, header(batch.measurements().size(), span, cborLength).put(old, 4, cborLength).array());
      byOldest.add(span.indexRow(key));
      converted++;
    }
    log.info("converted outbox {} to format {}: {} entries", file, FORMAT, converted);
  }

  /** Milliseconds of {@code duration}, or {@link Long#MAX_VALUE} (nothing ever expires) beyond that. */
  private static long saturatedMillis(Duration duration) {
    try {
      return duration.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** The time of the oldest and of the newest measurement of an entry (epoch ms). */
  private record Span(long oldest, long newest) {
    static Span of(Batch batch) {
      long oldest = Long.MAX_VALUE;
      long newest = Long.MIN_VALUE;
      for (Measurement m : batch.measurements()) {
        oldest = Math.min(oldest, m.time());
        newest = Math.max(newest, m.time());
      }
      return new Span(oldest, newest);
    }

    /** The entry's row in {@code byOldest}. */
    long[] indexRow(long key) {
      return new long[] {oldest, key, newest};
    }
  }

  /** The measurements one cycle dropped, by reason. */
  private static final class Drops {
    long fullMeasurements;
    long expiredMeasurements;
    /** Dropped earlier, yet acknowledged by the next hop now: they arrived. */
    long deliveredMeasurements;
    long deliveredExpired;

    void delivered(int count, boolean expired) {
      deliveredMeasurements += count;
      if (expired) {
        deliveredExpired += count;
      }
    }

    void full(int count) {
      fullMeasurements += count;
    }

    void expired(int count) {
      expiredMeasurements += count;
    }

    boolean any() {
      return fullMeasurements > 0 || expiredMeasurements > 0 || deliveredMeasurements > 0;
    }
  }

  /** Sums committed drops and logs them as one warning at most every {@link #DROP_LOG_EVERY_MS}. */
  private final class DropLog {
    private long full;
    private long tooOld;
    private long lastWarning = Long.MIN_VALUE;

    void add(Drops drops) {
      full += drops.fullMeasurements;
      tooOld += drops.expiredMeasurements;
    }

    /** Logs what was dropped since the last warning, unless that was less than a period ago. */
    void report(long now) {
      if (lastWarning != Long.MIN_VALUE && now - lastWarning < DROP_LOG_EVERY_MS) {
        return;
      }
      if (flush()) {
        lastWarning = now;
      }
    }

    /** Logs what was dropped since the last warning, if anything; returns whether it logged. */
    boolean flush() {
      if (full == 0 && tooOld == 0) {
        return false;
      }
      log.warn("outbox {} dropped {} measurements unsent: {} oldest because it held more than {}, {} older than {}"
              + " ({} dropped in all, {} waiting)",
          name, full + tooOld, full, limits.maxMeasurements(), tooOld, limits.maxAge(), dropped, depth);
      full = 0;
      tooOld = 0;
      return true;
    }
  }

  private sealed interface Op {
    CompletableFuture<?> result();

    record Append(MachineRef source, List<Measurement> measurements, CompletableFuture<Void> result) implements Op {
    }

    record StoreBatches(List<Batch> batches, CompletableFuture<Void> result) implements Op {
    }

    record Peek(long afterKey, long upToKey, int maxMeasurements, CompletableFuture<List<Entry>> result) implements Op {
    }

    record MayHaveArrived(List<Long> keys, CompletableFuture<Void> result) implements Op {
    }

    record Remove(List<Long> keys, CompletableFuture<Void> result) implements Op {
    }

    record Close(CompletableFuture<Void> result) implements Op {
    }
  }
}
