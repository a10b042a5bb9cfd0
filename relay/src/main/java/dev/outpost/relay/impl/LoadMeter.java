package dev.outpost.relay.impl;

import java.util.ArrayDeque;

/** Bytes per second over a sliding window, from samples of a running byte count. Event loop only. */
final class LoadMeter {
  private final long windowNanos;
  private final ArrayDeque<long[]> samples = new ArrayDeque<>();

  LoadMeter(long windowNanos) {
    this.windowNanos = windowNanos;
  }

  /** Adds a sample of the running count and returns the rate over the window up to it. */
  long sample(long now, long totalBytes) {
    samples.addLast(new long[] {now, totalBytes});
    while (samples.size() > 2 && now - samples.peekFirst()[0] > windowNanos) {
      samples.removeFirst();
    }
    var first = samples.peekFirst();
    long elapsed = now - first[0];
    return elapsed <= 0 ? 0 : (long) ((totalBytes - first[1]) * 1e9 / elapsed);
  }
}
