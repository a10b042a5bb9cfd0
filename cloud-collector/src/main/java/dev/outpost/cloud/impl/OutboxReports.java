package dev.outpost.cloud.impl;

import dev.outpost.cloud.impl.store.Latest;
import dev.outpost.cloud.impl.store.MachineStore;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * What machines report of their outboxes: every hub and connector sends the built-in measurement
 * {@value #SENSOR} once a minute with {@code queued} (waiting), {@code dropped} (dropped because
 * the outbox was full, since it was made), and from newer machines {@code expired} (dropped because
 * they were too old) and {@code oldestAgeSeconds} (age of the oldest waiting). The cloud shows the
 * newest report of each machine, a value the machine did not send as 0.
 */
final class OutboxReports {
  static final String SENSOR = "outbox";
  static final String QUEUED = "queued";
  static final String DROPPED = "dropped";
  static final String EXPIRED = "expired";
  static final String OLDEST_AGE_SECONDS = "oldestAgeSeconds";
  private static final List<String> VALUES = List.of(QUEUED, DROPPED, EXPIRED, OLDEST_AGE_SECONDS);

  private OutboxReports() {
  }

  /** The report as the user API shows it, or null when there is none. */
  static JsonObject json(Latest report) {
    if (report == null) {
      return null;
    }
    var json = new JsonObject();
    for (String value : VALUES) {
      json.put(value, value(report, value));
    }
    return json.put("reportedAt", Instant.ofEpochMilli(report.timeMs()).toString());
  }

  /** The sum of one value over the newest report of every machine. */
  static long total(MachineStore machines, String value) {
    long total = 0;
    for (var report : machines.newest(SENSOR).values()) {
      total += value(report, value);
    }
    return total;
  }

  /** A value of the report as a whole, non-negative number; 0 when missing. */
  private static long value(Latest report, String name) {
    Double value = report.values().get(name);
    return value == null || value < 0 ? 0 : Math.round(value);
  }
}
