package dev.outpost.hub.discovery;

import java.util.function.LongSupplier;

/** Allows {@code ratePerSecond} on average and bursts of up to {@code burst}. */
final class TokenBucket {
  private final double ratePerNano;
  private final double burst;
  private final LongSupplier clock;
  private double tokens;
  private long last;

  TokenBucket(double ratePerSecond, double burst) {
    this(ratePerSecond, burst, System::nanoTime);
  }

  TokenBucket(double ratePerSecond, double burst, LongSupplier clock) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.clock = clock;
    this.tokens = burst;
    this.last = clock.getAsLong();
  }

  synchronized boolean tryTake() {
    long now = clock.getAsLong();
    tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
