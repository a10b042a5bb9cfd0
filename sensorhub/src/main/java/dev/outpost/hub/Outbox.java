package dev.outpost.hub;

import dev.outpost.hub.impl.MapDbOutbox;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A durable queue of measurement batches on disk. Every measurement is written here before it is
 * sent anywhere, and leaves only when the next hop acknowledged it.
 *
 * <p>All work runs on the outbox's own thread; writes that arrive together are committed together
 * (one sync for many appends). A future completes only after the commit, so a completed
 * {@link #record} survives a process kill. Sequence numbers are assigned at that commit and are
 * never reused.
 */
public interface Outbox extends AutoCloseable {

  static Outbox open(Path file, OutboxLimits limits) {
    return MapDbOutbox.open(file, limits);
  }

  /** Appends measurements of {@code source} (this machine), numbering them with its next sequence numbers. */
  CompletableFuture<Void> record(MachineRef source, List<Measurement> measurements);

  /** Appends batches that other machines sent (a connector storing its hubs' measurements). */
  CompletableFuture<Void> store(List<Batch> batches);

  /**
   * The oldest entries whose key is greater than {@code afterKey}, at most {@code maxMeasurements}
   * measurements in all but at least one entry if there is any.
   */
  default CompletableFuture<List<Entry>> peek(long afterKey, int maxMeasurements) {
    return peek(afterKey, Long.MAX_VALUE, maxMeasurements);
  }

  /** Like {@link #peek(long, int)}, only entries with keys up to {@code upToKey} (inclusive). */
  CompletableFuture<List<Entry>> peek(long afterKey, long upToKey, int maxMeasurements);

  /** The key of the newest entry ever committed (0 if none); from any thread. */
  long lastKey();

  /** Removes entries that the next hop acknowledged. */
  CompletableFuture<Void> remove(List<Long> keys);

  /** Measurements waiting. */
  long depth();

  /** Measurements this machine recorded since the outbox was created: the last sequence number given. */
  long recorded();

  /** Measurements dropped since the outbox was created because it was full (oldest first). */
  long dropped();

  @Override
  void close();

  /** One stored batch and its key in the outbox. */
  record Entry(long key, Batch batch) {
  }
}
