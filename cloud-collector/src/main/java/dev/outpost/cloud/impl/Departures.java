package dev.outpost.cloud.impl;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When machines said they shut down (a hub's goodbye or SSDP byebye, passed on by its connector;
 * a connector's own goodbye), so that the API tells "shut down" from "contact lost". Kept in
 * memory: after a restart of the cloud, a machine that is away counts as lost until it returns.
 */
final class Departures {
  private final Map<String, Long> leftAt = new ConcurrentHashMap<>();

  void left(String uid) {
    leftAt.put(uid, System.currentTimeMillis());
  }

  /** Whether the machine said goodbye after it was last seen (so it is not online any more). */
  boolean leftSince(String uid, long lastSeenMs) {
    Long left = leftAt.get(uid);
    return left != null && left >= lastSeenMs;
  }

  /**
   * Why a machine that is not online is away: {@code shutdown} when it said goodbye after it was
   * last seen (within a few seconds), else {@code lost}.
   */
  String offlineReason(String uid, long lastSeenMs) {
    Long left = leftAt.get(uid);
    return left != null && left >= lastSeenMs - 5_000 ? "shutdown" : "lost";
  }
}
