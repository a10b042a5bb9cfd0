package dev.outpost.relay.impl;

/**
 * A token bucket for bytes, on {@link System#nanoTime()}. Bytes are taken after they were relayed,
 * so the bucket may go into debt; the reader of a stream in debt pauses until the bucket has
 * refilled to half its burst, so a throttled stream wakes up a few times a second at most, never
 * per byte. Not thread-safe: the relay uses it on its event loop only.
 */
final class TokenBucket {
  /** The smallest burst, so that one full TLS record never throttles a slow session by itself. */
  static final long MIN_BURST = 16 * 1024;

  private final double bytesPerNano;
  private final double capacity;
  private final double resumeLevel;
  private double tokens;
  private long last;

  /** A full bucket: a burst of a tenth of a second's worth of bytes (at least {@link #MIN_BURST}). */
  TokenBucket(long bytesPerSecond, long now) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytesPerSecond must be positive, was " + bytesPerSecond);
    }
    this.bytesPerNano = bytesPerSecond / 1e9;
    this.capacity = Math.max(bytesPerSecond / 10.0, MIN_BURST);
    this.resumeLevel = capacity / 2;
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes {@code bytes}; returns 0 if the bucket is not in debt, else the nanoseconds to pause. */
  long take(long bytes, long now) {
    refill(now);
    tokens -= bytes;
    return pause();
  }

  /** 0 if the bucket is out of debt now, else the nanoseconds until it has refilled enough to go on. */
  long pauseNanos(long now) {
    refill(now);
    return pause();
  }

  private long pause() {
    return tokens >= 0 ? 0 : (long) Math.ceil((resumeLevel - tokens) / bytesPerNano);
  }

  private void refill(long now) {
    if (now > last) {
      tokens = Math.min(capacity, tokens + (now - last) * bytesPerNano);
      last = now;
    }
  }
}
