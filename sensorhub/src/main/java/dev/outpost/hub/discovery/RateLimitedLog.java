package dev.outpost.hub.discovery;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs at most one line per key per period, and tells in the next line how many were left out. Bad
 * packets from the network can come thousands per second; the log must stay readable.
 */
final class RateLimitedLog {
  static final long DEFAULT_PERIOD_NANOS = 30_000_000_000L;

  private final Logger log;
  private final long periodNanos;
  private final LongSupplier clock;
  private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();

  RateLimitedLog(Logger log) {
    this(log, DEFAULT_PERIOD_NANOS, System::nanoTime);
  }

  RateLimitedLog(Logger log, long periodNanos, LongSupplier clock) {
    this.log = log;
    this.periodNanos = periodNanos;
    this.clock = clock;
  }

  private static final class Slot {
    long last;
    boolean used;
    long suppressed;
  }

  /** Logs a warning unless one with this key was logged less than a period ago; returns true if logged. */
  boolean warn(String key, String message) {
    return emit(key, message, true);
  }

  /** The same at info level. */
  boolean info(String key, String message) {
    return emit(key, message, false);
  }

  private boolean emit(String key, String message, boolean warn) {
    if (slots.size() > 1000) {
      slots.clear(); // keys are a small fixed set; this only guards against a bug
    }
    Slot slot = slots.computeIfAbsent(key, k -> new Slot());
    long suppressed;
    synchronized (slot) {
      long now = clock.getAsLong();
      if (slot.used && now - slot.last < periodNanos) {
        slot.suppressed++;
        return false;
      }
      slot.used = true;
      slot.last = now;
      suppressed = slot.suppressed;
      slot.suppressed = 0;
    }
    String line = suppressed == 0 ? message
        : message + " (" + suppressed + " more like this since the last report)";
    if (warn) {
      log.warn(line);
    } else {
      log.info(line);
    }
    return true;
  }
}
