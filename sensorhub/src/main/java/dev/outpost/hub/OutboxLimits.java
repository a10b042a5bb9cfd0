package dev.outpost.hub;

import java.time.Duration;

/**
 * How much an outbox may hold, by size and by age. A link that stays down must not fill the disk,
 * and measurements that waited longer than anyone still cares about should not delay fresh ones.
 * Whatever leaves the outbox without being sent is counted ({@link Outbox#dropped()},
 * {@link Outbox#expired()}), never dropped silently.
 *
 * <p>Bound from the {@code outbox} object of a hub's or connector's JSON config file:
 * {@code {"maxMeasurements": 5000000, "maxAge": "P7D"}}; a missing or zero value takes its default.
 *
 * @param maxMeasurements measurements kept at most; when a write would go beyond it, the oldest
 *                        entries are dropped
 * @param maxAge          how long a measurement may wait, by its own time against this machine's
 *                        clock; an entry whose newest measurement is older is dropped whole
 */
public record OutboxLimits(long maxMeasurements, Duration maxAge) {
  public static final long DEFAULT_MAX_MEASUREMENTS = 5_000_000;
  public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(7);
  public static final OutboxLimits DEFAULTS = new OutboxLimits(DEFAULT_MAX_MEASUREMENTS, DEFAULT_MAX_AGE);

  public OutboxLimits {
    if (maxMeasurements == 0) {
      maxMeasurements = DEFAULT_MAX_MEASUREMENTS;
    }
    if (maxMeasurements < 1) {
      throw new IllegalArgumentException("outbox maxMeasurements must be positive (0: default "
          + DEFAULT_MAX_MEASUREMENTS + "), not " + maxMeasurements);
    }
    if (maxAge == null || maxAge.isZero()) {
      maxAge = DEFAULT_MAX_AGE;
    }
    if (maxAge.isNegative()) {
      throw new IllegalArgumentException("outbox maxAge must be positive (0: default "
          + DEFAULT_MAX_AGE.toDays() + " days), not " + maxAge);
    }
  }

  /** At most {@code maxMeasurements}, for the default age. */
  public OutboxLimits(long maxMeasurements) {
    this(maxMeasurements, null);
  }
}
