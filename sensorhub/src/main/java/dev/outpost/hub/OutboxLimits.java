package dev.outpost.hub;

/**
 * How much an outbox may hold. When a write would go beyond {@code maxMeasurements}, the oldest
 * entries are dropped and counted ({@link Outbox#dropped()}), never silently.
 *
 * @param maxMeasurements measurements kept at most
 */
public record OutboxLimits(long maxMeasurements) {
  public static final long DEFAULT_MAX_MEASUREMENTS = 5_000_000;
  public static final OutboxLimits DEFAULTS = new OutboxLimits(DEFAULT_MAX_MEASUREMENTS);

  public OutboxLimits {
    if (maxMeasurements == 0) {
      maxMeasurements = DEFAULT_MAX_MEASUREMENTS;
    }
    if (maxMeasurements < 1) {
      throw new IllegalArgumentException("outbox maxMeasurements must be positive");
    }
  }
}
