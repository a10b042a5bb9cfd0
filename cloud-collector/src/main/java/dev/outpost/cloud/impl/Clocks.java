package dev.outpost.cloud.impl;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far each machine's clock is off against the cloud's clock, and the correction of the
 * measurement times of machines whose clock is off by more than {@code clock.maxSkew}.
 *
 * <p><b>Estimate.</b> Every upload that says when it was sent ({@code Upload.sentAt}, the uploader's
 * clock) gives a sample of the uploader's offset: {@code sentAt - receivedAt}, where
 * {@code receivedAt} is the cloud's clock when the request's headers arrived. The upload spent
 * some time on the way (the uploader's queueing, the network, TLS), so a sample is the true offset
 * minus that transit time: it is never too high, only too low, and too low by a different amount
 * each time. The estimate is therefore the <em>largest</em> sample of the last {@link #WINDOW}
 * (at most the last {@link #MAX_SAMPLES}; the newest is always kept, however old): the upload with
 * the least delay is the closest to the truth, and a delay that varies does not make the offset
 * jitter. Old samples fall out of the window so that a clock that was set right (or jumped) is
 * seen within minutes. Uploads without {@code sentAt} give no sample.
 *
 * <p>A hub behind a connector never talks to the cloud itself: its connector measures the hub's
 * offset against its own clock and sends it with each upload ({@code Upload.clocks}), so
 * {@code offset(hub) = clocks[hub] + offset(connector)}, taken when the connector's own offset is
 * known. A hub that uploads directly (fallback) has samples of its own. Whichever was measured
 * last is the hub's offset.
 *
 * <p><b>Correction.</b> When a batch is stored, its source's offset at that moment decides: if it
 * is larger than {@code maxSkew} either way, every measurement time of the batch is shifted by
 * {@code -offset} (into the cloud's clock, at least 1 ms after the epoch) before it is stored and
 * before it counts as the newest of its sensor; within {@code maxSkew} the times are stored as
 * sent. Measurements that waited in an outbox (a backlog after an outage) are corrected with the
 * offset measured when they arrive, not the one their machine had when they were made: if the
 * clock was set right in between, such old measurements are shifted wrongly. Repeats are
 * recognised by sequence number, so a batch sent again with another correction is still stored
 * once.
 *
 * <p>Kept in memory only: after a restart of the cloud a machine's offset is unknown (and nothing
 * is corrected) until its next upload, which gives a sample at once.
 */
final class Clocks {
  /** Samples older than this (against the newest) do not count. */
  static final Duration WINDOW = Duration.ofMinutes(5);
  /** At most this many samples per machine count. */
  static final int MAX_SAMPLES = 32;
  private static final Logger LOG = LoggerFactory.getLogger(Clocks.class);

  /** A machine's estimated offset ({@code offsetMs > 0}: its clock is ahead) and when it was measured (cloud clock). */
  record Offset(long offsetMs, long measuredAtMs) {
  }

  private record Sample(long offsetMs, long receivedAtMs) {
  }

  private final long maxSkewMs;
  private final Map<String, ArrayDeque<Sample>> samples = new ConcurrentHashMap<>();
  private final Map<String, Offset> offsets = new ConcurrentHashMap<>();

  Clocks(Duration maxSkew) {
    this.maxSkewMs = maxSkew.toMillis();
  }

  /**
   * Records an upload's sample of its uploader's offset; the uploader's estimate afterwards.
   *
   * @param sentAtMs     the uploader's clock when it sent the upload
   * @param receivedAtMs the cloud's clock when the upload arrived
   */
  Offset sampled(String uploader, long sentAtMs, long receivedAtMs) {
    var sample = new Sample(sentAtMs - receivedAtMs, receivedAtMs);
    var window = samples.computeIfAbsent(uploader, k -> new ArrayDeque<>());
    Offset estimate;
    synchronized (window) {
      window.addLast(sample);
      while (window.size() > MAX_SAMPLES
          || window.size() > 1 && window.peekFirst().receivedAtMs() < receivedAtMs - WINDOW.toMillis()) {
        window.removeFirst();
      }
      long max = Long.MIN_VALUE;
      for (var s : window) {
        max = Math.max(max, s.offsetMs());
      }
      estimate = new Offset(max, receivedAtMs);
      put(uploader, estimate);
    }
    return estimate;
  }

  /**
   * Records a hub's offset from its connector's measurement of it.
   *
   * @param hubVsConnectorMs the hub's offset against the connector's clock, as the connector sent it
   * @param connector        the connector's own estimate now
   */
  void relayed(String hub, long hubVsConnectorMs, Offset connector) {
    put(hub, new Offset(saturatedAdd(hubVsConnectorMs, connector.offsetMs()), connector.measuredAtMs()));
  }

  private void put(String uid, Offset offset) {
    boolean wasSkewed = isSkewed(offsets.put(uid, offset));
    if (isSkewed(offset) && !wasSkewed) {
      LOG.warn("the clock of {} is off by {} ms (more than {} ms): its measurement times are corrected", uid, offset.offsetMs(), maxSkewMs);
    } else if (wasSkewed && !isSkewed(offset)) {
      LOG.info("the clock of {} is right again (off by {} ms)", uid, offset.offsetMs());
    }
  }

  /** The machine's offset, or null if it was never measured (since the cloud started). */
  Offset offset(String uid) {
    return offsets.get(uid);
  }

  /** Whether the offset is beyond {@code clock.maxSkew}, either way. */
  boolean isSkewed(Offset offset) {
    return offset != null && (offset.offsetMs() > maxSkewMs || offset.offsetMs() < -maxSkewMs);
  }

  /** The offset to take off the machine's measurement times: its offset when skewed, else 0. */
  long correctionOf(String uid) {
    var offset = offsets.get(uid);
    return isSkewed(offset) ? offset.offsetMs() : 0;
  }

  /** How many machines have a clock off by more than {@code clock.maxSkew}. */
  long skewedCount() {
    return offsets.values().stream().filter(this::isSkewed).count();
  }

  /** A measurement time in the machine's clock moved into the cloud's clock; never before 1 ms after the epoch. */
  static long corrected(long timeMs, long correctionMs) {
    long shifted;
    try {
      shifted = Math.subtractExact(timeMs, correctionMs);
    } catch (ArithmeticException e) {
      shifted = correctionMs > 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return Math.max(1, shifted);
  }

  private static long saturatedAdd(long a, long b) {
    try {
      return Math.addExact(a, b);
    } catch (ArithmeticException e) {
      return a > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
  }
}
