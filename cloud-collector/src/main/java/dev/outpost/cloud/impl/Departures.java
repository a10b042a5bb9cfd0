package dev.outpost.cloud.impl;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Machines that said they shut down (a hub's goodbye or SSDP byebye, passed on by its connector;
 * a connector's own goodbye), so that the API tells "shut down" from "contact lost". A machine
 * stays away until it says hello again (a connector reports it linked, or it opens its own link):
 * measurements that were still buffered on the way and arrive after the goodbye do not bring it
 * back. Kept in memory: after a restart of the cloud, a machine that is away counts as lost.
 */
final class Departures {
  private final Set<String> away = ConcurrentHashMap.newKeySet();

  void left(String uid) {
    away.add(uid);
  }

  void returned(String uid) {
    away.remove(uid);
  }

  /** Whether the machine said goodbye and has not said hello since. */
  boolean isAway(String uid) {
    return away.contains(uid);
  }

  /** Why a machine that is not online is away: {@code shutdown} after a goodbye, else {@code lost}. */
  String offlineReason(String uid) {
    return isAway(uid) ? "shutdown" : "lost";
  }
}
