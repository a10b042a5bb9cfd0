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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.mapdb.Atomic;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Outbox} on a MapDB file: a {@code BTreeMap<Long, byte[]>} used as an append log, one
 * entry per batch (a 4-byte measurement count, then the CBOR batch), plus counters for the next
 * key, the next sequence number, the depth and the drops, all changed in the same transaction.
 *
 * <p>One thread owns the database. It takes every operation waiting in its queue, applies the
 * writes, commits once, and only then answers reads, so a peek never shows data that a crash
 * could still take back.
 */
public final class MapDbOutbox implements Outbox {
  private static final Logger log = LoggerFactory.getLogger(MapDbOutbox.class);

  private final OutboxLimits limits;
  private final DB db;
  private final BTreeMap<Long, byte[]> entries;
  private final Atomic.Long nextKey;
  private final Atomic.Long nextSeq;
  private final Atomic.Long storedDepth;
  private final Atomic.Long storedDropped;
  private final AtomicLong depth = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong recorded = new AtomicLong();
  private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
  private final Thread owner;
  private volatile boolean closed;
  private volatile long lastKey;

  private MapDbOutbox(Path file, OutboxLimits limits) {
    this.limits = limits;
    this.db = DBMaker.fileDB(file.toFile())
        .fileMmapEnableIfSupported()
        .transactionEnable()
        .make();
    this.entries = db.treeMap("entries", Serializer.LONG, Serializer.BYTE_ARRAY)
        .valuesOutsideNodesEnable()
        .createOrOpen();
    this.nextKey = db.atomicLong("nextKey", 1).createOrOpen();
    this.nextSeq = db.atomicLong("nextSeq", 1).createOrOpen();
    this.storedDepth = db.atomicLong("depth", 0).createOrOpen();
    this.storedDropped = db.atomicLong("dropped", 0).createOrOpen();
    db.commit();
    depth.set(storedDepth.get());
    dropped.set(storedDropped.get());
    recorded.set(nextSeq.get() - 1);
    lastKey = nextKey.get() - 1;
    this.owner = new Thread(this::run, "outbox-" + file.getFileName());
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
  public long lastKey() {
    return lastKey;
  }

  @Override
  public CompletableFuture<Void> remove(List<Long> keys) {
    return submit(new Op.Remove(List.copyOf(keys), new CompletableFuture<>()));
  }

  @Override
  public long depth() {
    return depth.get();
  }

  @Override
  public long recorded() {
    return recorded.get();
  }

  @Override
  public long dropped() {
    return dropped.get();
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
    return result;
  }

  private void run() {
    var batch = new ArrayList<Op>();
    while (true) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch);
      boolean stop = serve(batch);
      batch.clear();
      if (stop) {
        return;
      }
    }
  }

  /** Applies the writes, commits once, then answers reads. Returns true when closed. */
  private boolean serve(List<Op> ops) {
    var applied = new ArrayList<Op>(ops.size());
    var reads = new ArrayList<Op.Peek>();
    Op.Close close = null;
    for (Op op : ops) {
      try {
        if (op instanceof Op.Append r) {
          long seq = nextSeq.get();
          nextSeq.set(seq + r.measurements().size());
          append(new Batch(r.source(), seq, r.measurements()));
          applied.add(op);
        } else if (op instanceof Op.StoreBatches s) {
          s.batches().forEach(this::append);
          applied.add(op);
        } else if (op instanceof Op.Remove rm) {
          for (Long key : rm.keys()) {
            byte[] value = entries.remove(key);
            if (value != null) {
              depth.addAndGet(-countOf(value));
            }
          }
          applied.add(op);
        } else if (op instanceof Op.Peek p) {
          reads.add(p);
        } else if (op instanceof Op.Close c) {
          close = c;
        }
      } catch (RuntimeException e) {
        op.result().completeExceptionally(e);
      }
    }
    if (!applied.isEmpty()) {
      enforceLimit();
      storedDepth.set(depth.get());
      storedDropped.set(dropped.get());
      try {
        db.commit();
        recorded.set(nextSeq.get() - 1);
        lastKey = nextKey.get() - 1;
      } catch (RuntimeException e) {
        log.error("outbox commit failed; {} writes refused", applied.size(), e);
        db.rollback();
        depth.set(storedDepth.get());
        dropped.set(storedDropped.get());
        applied.forEach(op -> op.result().completeExceptionally(e));
        applied.clear();
      }
      applied.forEach(op -> op.result().complete(null));
    }
    reads.forEach(this::answer);
    if (close != null) {
      closed = true;
      db.close();
      close.result().complete(null);
      queue.forEach(op -> op.result().completeExceptionally(new IllegalStateException("outbox is closed")));
      return true;
    }
    return false;
  }

  private void append(Batch batch) {
    byte[] cbor = Wire.toCbor(batch);
    byte[] value = ByteBuffer.allocate(4 + cbor.length).putInt(batch.measurements().size()).put(cbor).array();
    long key = nextKey.get();
    nextKey.set(key + 1);
    entries.put(key, value);
    depth.addAndGet(batch.measurements().size());
  }

  private void enforceLimit() {
    while (depth.get() > limits.maxMeasurements() && !entries.isEmpty()) {
      Map.Entry<Long, byte[]> oldest = entries.pollFirstEntry();
      int count = countOf(oldest.getValue());
      depth.addAndGet(-count);
      dropped.addAndGet(count);
      log.warn("outbox full: dropped {} oldest measurements", count);
    }
  }

  private void answer(Op.Peek peek) {
    try {
      var found = new ArrayList<Entry>();
      int measurements = 0;
      for (var e : entries.subMap(peek.afterKey(), false, peek.upToKey(), true).entrySet()) {
        int count = countOf(e.getValue());
        if (!found.isEmpty() && measurements + count > peek.maxMeasurements()) {
          break;
        }
        found.add(new Entry(e.getKey(), decode(e.getValue())));
        measurements += count;
      }
      peek.result().complete(found);
    } catch (RuntimeException e) {
      peek.result().completeExceptionally(e);
    }
  }

  private static int countOf(byte[] value) {
    return ByteBuffer.wrap(value, 0, 4).getInt();
  }

  private static Batch decode(byte[] value) {
    return Wire.fromCbor(java.util.Arrays.copyOfRange(value, 4, value.length), Batch.class);
  }

  private sealed interface Op {
    CompletableFuture<?> result();

    record Append(MachineRef source, List<Measurement> measurements, CompletableFuture<Void> result) implements Op {
    }

    record StoreBatches(List<Batch> batches, CompletableFuture<Void> result) implements Op {
    }

    record Peek(long afterKey, long upToKey, int maxMeasurements, CompletableFuture<List<Entry>> result) implements Op {
    }

    record Remove(List<Long> keys, CompletableFuture<Void> result) implements Op {
    }

    record Close(CompletableFuture<Void> result) implements Op {
    }
  }
}
