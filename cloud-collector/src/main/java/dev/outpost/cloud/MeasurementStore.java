package dev.outpost.cloud;

import dev.outpost.protocol.State;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.UploadAck;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Where measurements are kept, exactly once per (source machine, sequence number). The counters
 * are kept in memory and never block; everything that touches the database returns a future.
 */
public interface MeasurementStore {

  /**
   * Stores every measurement of the upload in one transaction; repeats of measurements already
   * stored are discarded and counted. Completes after the commit.
   *
   * @param organisation the organisation the uploader's credentials belong to
   */
  Future<UploadAck> append(long organisation, Upload upload);

  /**
   * Measurements of one machine with {@code from <= time <= to}, oldest first.
   *
   * @param sensor a sensor id, or null for all sensors
   * @param limit  at most this many
   */
  Future<List<Stored>> between(String machineUid, String sensor, Instant from, Instant to, int limit);

  /** How many measurements wait for the writer (received, not yet in a transaction). */
  long queued();

  /** How many measurements are stored in all. */
  long count();

  /** How many measurements of this source machine are stored (0 for an unknown machine). */
  long countFor(String machineUid);

  /** How many received measurements were discarded as repeats. */
  long duplicates();

  /** One stored measurement. */
  record Stored(String sensor, Instant time, State state, Map<String, Double> values, String message) {
  }
}
