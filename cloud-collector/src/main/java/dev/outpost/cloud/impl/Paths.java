package dev.outpost.cloud.impl;

import dev.outpost.cloud.impl.store.Machine;
import dev.outpost.protocol.Role;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The path each hub's measurements take to the cloud now: through a connector, or direct (a hub
 * that lost its connector uploads its own batches with its own certificate).
 *
 * <p>Learnt from uploads and from the connectors' command channels. Batches carry sequence
 * numbers that only grow, so a batch moves a hub's path only when it is not older (by its last
 * sequence number) than the newest batch seen of that hub: a connector that forwards a hub's
 * backlog after the hub went direct does not move it back. A connector that reports on its channel
 * that a hub connected to it ({@code MachinesSeen}, or an approved {@code EnrolHub}) moves the hub
 * to it at once. The hubs in a connector's {@code Hello} are the ones it knows, not necessarily
 * linked now, so they are put behind it only when they are not known to be direct.
 *
 * <p>Kept in memory: after a restart of the cloud, until a hub is heard of again, a hub with a
 * stored {@code via} counts as behind that connector, any other as unknown.
 */
final class Paths {
  static final String CONNECTOR = "connector";
  static final String DIRECT = "direct";

  /** A hub's path: {@code connector} with the connector's uid, or {@code direct} without one. */
  record HubPath(String type, String connector) {
    static final HubPath DIRECT_PATH = new HubPath(DIRECT, null);

    static HubPath through(String connector) {
      return new HubPath(CONNECTOR, connector);
    }

    boolean isDirect() {
      return DIRECT.equals(type);
    }
  }

  /** The path and the highest sequence number seen of the hub (0 before any batch). */
  private record Current(HubPath path, long seq) {
  }

  private final Map<String, Current> byHub = new ConcurrentHashMap<>();

  /**
   * A batch of the hub was stored.
   *
   * @param connector the uploading connector, or null when the hub uploaded it itself
   * @param lastSeq   the batch's last sequence number
   */
  void uploaded(String hub, String connector, long lastSeq) {
    var path = connector == null ? HubPath.DIRECT_PATH : HubPath.through(connector);
    byHub.merge(hub, new Current(path, lastSeq), (old, now) -> now.seq() >= old.seq() ? now : old);
  }

  /** The connector says the hub connected to it. */
  void linked(String hub, String connector) {
    byHub.merge(hub, new Current(HubPath.through(connector), 0), (old, now) -> new Current(now.path(), old.seq()));
  }

  /** The connector says it knows the hub (its hello). */
  void known(String hub, String connector) {
    byHub.merge(hub, new Current(HubPath.through(connector), 0),
        (old, now) -> old.path().isDirect() ? old : new Current(now.path(), old.seq()));
  }

  /** The path of a hub; null for a connector, and for a hub never heard of through a connector or directly. */
  HubPath of(Machine machine) {
    if (machine.role() != Role.HUB) {
      return null;
    }
    var current = byHub.get(machine.uid());
    if (current != null) {
      return current.path();
    }
    return machine.via() == null ? null : HubPath.through(machine.via());
  }
}
