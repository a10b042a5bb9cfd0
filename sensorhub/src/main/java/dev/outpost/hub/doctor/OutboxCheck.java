package dev.outpost.hub.doctor;

import dev.outpost.hub.Outbox;
import dev.outpost.hub.OutboxLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The outbox, read from its file without changing it ({@link Outbox#summary}): how much waits and
 * since when, and whether anything was ever dropped. A backlog older than {@link #STALE} or an
 * outbox more than {@link #NEARLY_FULL_PERCENT} % full is a WARN; so is any drop.
 */
public final class OutboxCheck {
  static final String NAME = "outbox";
  /** Measurements that have waited longer than this mean the next hop does not take them. */
  public static final Duration STALE = Duration.ofMinutes(10);
  public static final int NEARLY_FULL_PERCENT = 80;

  private OutboxCheck() {
  }

  public static Check run(Path file, OutboxLimits limits, Instant now) {
    if (!Files.exists(file)) {
      return Check.ok(NAME, "no outbox yet at " + file + " (the machine has not run)");
    }
    Outbox.Summary summary;
    try {
      summary = Outbox.summary(file);
    } catch (RuntimeException e) {
      return Check.fail(NAME, e.getMessage(), "stop the service, move the file aside and start again (its contents are lost)");
    }
    String detail = summary.depth() + " measurements waiting";
    if (summary.depth() > 0) {
      var age = Duration.ofMillis(Math.max(0, now.toEpochMilli() - summary.oldestTime()));
      detail += ", the oldest from " + age.toMinutes() + " min ago";
      if (age.compareTo(STALE) > 0) {
        return Check.warn(NAME, detail + drops(summary), "the next hop does not take them: see the checks above");
      }
    }
    if (summary.depth() * 100 > (long) limits.maxMeasurements() * NEARLY_FULL_PERCENT) {
      return Check.warn(NAME, detail + " of at most " + limits.maxMeasurements() + drops(summary),
          "nearly full: the oldest are dropped beyond outbox.maxMeasurements");
    }
    if (summary.dropped() > 0) {
      return Check.warn(NAME, detail + drops(summary), "data was lost in an outage longer than the outbox holds:"
          + " raise outbox.maxMeasurements or outbox.maxAge if that happens again");
    }
    return Check.ok(NAME, detail + ", none dropped");
  }

  private static String drops(Outbox.Summary summary) {
    return summary.dropped() == 0 ? "" : "; " + summary.dropped() + " dropped since it was made ("
        + summary.expired() + " of them too old)";
  }
}
