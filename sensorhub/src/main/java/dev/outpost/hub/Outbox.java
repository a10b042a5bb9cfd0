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
 * sent anywhere, and leaves when the next hop acknowledged it, or unsent when the {@link OutboxLimits}
 * (size, age) drop it, which is counted.
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

  /**
   * Blocking. What an outbox file holds, read without changing it (also while the machine's service
   * has it open; the numbers are those of its last commit), for the doctor.
   *
   * @throws IllegalStateException if the file is missing or is not an outbox
   */
  static Summary summary(Path file) {
    return MapDbOutbox.summary(file);
  }

  /**
   * Appends measurements of {@code source} (this machine), numbering them with its next sequence
   * numbers. Measurements already older than {@link OutboxLimits#maxAge()} use their numbers but are
   * counted as {@link #expired()} instead of stored.
   */
  CompletableFuture<Void> record(MachineRef source, List<Measurement> measurements);

  /**
   * Appends batches that other machines sent (a connector storing its hubs' measurements). Their
   * age here counts from their arrival, by this machine's clock: the sending hub already dropped
   * what was too old by its own clock, and a hub whose clock is off must not lose its data here.
   */
  CompletableFuture<Void> store(List<Batch> batches);

  /**
   * The oldest entries whose key is greater than {@code afterKey}, at most {@code maxMeasurements}
   * measurements in all but at least one entry if there is any.
   */
  default CompletableFuture<List<Entry>> peek(long afterKey, int maxMeasurements) {
    return peek(afterKey, Long.MAX_VALUE, maxMeasurements);
  }

  /**
   * The oldest entries with {@code afterKey < key <= upToKey}, at most {@code maxMeasurements}
   * measurements in all but at least one entry if there is any. The upper bound lets a sender drain
   * fresh first: it notes {@link #lastKey()} when its link comes up, sends what is newer than that,
   * and fills in the backlog up to it in between.
   */
  CompletableFuture<List<Entry>> peek(long afterKey, long upToKey, int maxMeasurements);

  /** Removes entries that the next hop acknowledged. */
  CompletableFuture<Void> remove(List<Long> keys);

  /**
   * Entries that were sent but whose acknowledgement was lost with the link: the next hop may have
   * them. When the outbox is full they are dropped last (they go again on the next link, and the
   * cloud discards repeats), so that {@link #dropped()} counts only what surely never arrived.
   * Kept in memory until they are removed.
   */
  CompletableFuture<Void> mayHaveArrived(List<Long> keys);

  /** Measurements waiting. */
  long depth();

  /** Measurements this machine recorded since the outbox was created: the last sequence number given. */
  long recorded();

  /**
   * Measurements dropped unsent since the outbox was created, for any reason: because it was full
   * (oldest first) or because they were too old ({@link #expired()} of them).
   */
  long dropped();

  /** Of {@link #dropped()}, the measurements dropped because they were older than {@link OutboxLimits#maxAge()}. */
  long expired();

  /**
   * The key of the newest entry ever committed, 0 if none; keys only grow, so an entry with a greater
   * key was committed later. Readable from any thread; it changes only after a commit.
   */
  long lastKey();

  /**
   * The time (epoch milliseconds) of the oldest measurement still waiting, 0 when the outbox is empty.
   * Readable from any thread; it changes only after a commit.
   */
  long oldestTime();

  @Override
  void close();

  /**
   * An outbox at its last commit.
   *
   * @param depth      measurements waiting
   * @param dropped    measurements dropped unsent since the outbox was created
   * @param expired    of those, dropped for age
   * @param oldestTime the time (epoch ms) of the oldest measurement waiting, 0 when empty
   */
  record Summary(long depth, long dropped, long expired, long oldestTime) {
  }

  /** One stored batch and its key in the outbox. */
  record Entry(long key, Batch batch) {
  }
}
