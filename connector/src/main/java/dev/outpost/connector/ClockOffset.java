package dev.outpost.connector;

/**
 * The estimated offset of a peer's clock against this machine's clock, from the send times the
 * peer writes on its frames. A sample is {@code sentAt - receivedAt}: the peer's clock at sending
 * minus this clock at receiving, which is the true offset minus the transit time. Transit is never
 * negative, so the largest recent sample is the best estimate (the frame that travelled fastest);
 * a window of recent samples lets the estimate follow a clock that was set.
 *
 * <p>Thread-safe.
 */
final class ClockOffset {
  static final int WINDOW = 32;
  private final long[] samples = new long[WINDOW];
  private int count;
  private int next;

  synchronized void sample(long sentAt, long receivedAt) {
    samples[next] = sentAt - receivedAt;
    next = (next + 1) % WINDOW;
    count = Math.min(count + 1, WINDOW);
  }

  /** Milliseconds the peer's clock is ahead of this one (negative: behind); 0 before any sample. */
  synchronized long estimate() {
    if (count == 0) {
      return 0;
    }
    long best = Long.MIN_VALUE;
    for (int i = 0; i < count; i++) {
      best = Math.max(best, samples[i]);
    }
    return best;
  }
}
