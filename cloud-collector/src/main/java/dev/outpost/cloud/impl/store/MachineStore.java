package dev.outpost.cloud.impl.store;

import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.SensorConfig;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * The machines of each organisation, their sensors and when they were last seen. Machines of
 * another organisation are answered like unknown ones (404).
 */
public interface MachineStore {

  /** A machine with when it was last seen (epoch ms, 0 if never). */
  record Seen(Machine machine, long lastSeenMs) {
  }

  /** All machines of the organisation, by name. */
  Future<List<Seen>> machines(long organisationId);

  /** One machine of the organisation; fails with 404 if there is none. */
  Future<Seen> machine(long organisationId, String uid);

  /** The newest measurement of each sensor of the machine that has one. */
  Future<Map<String, Latest>> latest(long organisationId, String uid);

  /**
   * The newest measurement of one sensor of every machine that has one, by machine uid; from
   * memory, never blocks (for metrics and machine lists).
   */
  Map<String, Latest> newest(String sensor);

  /** Creates or replaces one sensor and raises the config version; the machine after the change. */
  Future<Machine> putSensor(long organisationId, String uid, SensorConfig sensor);

  /** Removes one sensor (404 if it has none of that id) and raises the config version. */
  Future<Machine> deleteSensor(long organisationId, String uid, String sensorId);

  /**
   * Registers machines that a connector reports: creates unknown ones with the default sensors,
   * refreshes name, role and via of known ones (fails with 403 if one belongs to another
   * organisation). Returns them in the given order.
   *
   * @param via   the connector's uid, stored as via of every machine but the connector itself
   * @param touch whether they count as seen now
   */
  Future<List<Machine>> register(long organisationId, List<MachineRef> machines, String via, boolean touch);

  /** Marks the machine as seen now (kept in memory, written at the next flush). */
  void touch(String uid);

  /** How many machines were seen within the window of the given length in milliseconds. */
  long onlineCount(long windowMs);

  /** Writes last-seen times and newest measurements changed since the last flush. */
  Future<Void> flush();
}
