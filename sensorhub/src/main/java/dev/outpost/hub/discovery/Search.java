package dev.outpost.hub.discovery;

import dev.outpost.protocol.Role;

/**
 * A running search or watch for devices of one role: it sent an M-SEARCH when it started, sends one
 * again every {@link DiscoveryConfig#searchInterval()}, and listens to NOTIFY announcements.
 */
public interface Search extends AutoCloseable {
  Role role();

  /** Sends an M-SEARCH now (in addition to the periodic ones). */
  void searchNow();

  /** Stops the search; no call reaches its listener after this returns. Idempotent. */
  @Override
  void close();
}
