package dev.outpost.hub.doctor;

import java.time.Duration;

/**
 * The doctor's own settings, the {@code doctor} object of a hub's or connector's config file.
 *
 * @param maxClockSkew  how far this machine's clock may be off the cloud's: more is FAIL, more than
 *                      half of it WARN; default {@link #DEFAULT_MAX_CLOCK_SKEW}, the cloud's default
 *                      {@code clock.maxSkew} (set both alike)
 * @param clockShift    added to this machine's clock by the clock check only, to see the check fire
 *                      without touching the system clock (a drill, and what the tests use); default 0.
 *                      Nothing else on the machine uses it.
 * @param multicastWait how long the multicast check waits for its own probe to come back; default
 *                      {@link #DEFAULT_MULTICAST_WAIT}
 */
public record DoctorSettings(Duration maxClockSkew, Duration clockShift, Duration multicastWait) {
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofSeconds(2);
  public static final Duration DEFAULT_MULTICAST_WAIT = Duration.ofSeconds(2);
  public static final DoctorSettings DEFAULTS = new DoctorSettings(null, null, null);

  public DoctorSettings {
    maxClockSkew = maxClockSkew == null ? DEFAULT_MAX_CLOCK_SKEW : maxClockSkew;
    if (maxClockSkew.compareTo(Duration.ofMillis(100)) < 0) {
      throw new IllegalArgumentException("doctor.maxClockSkew must be at least 100 ms, was " + maxClockSkew);
    }
    clockShift = clockShift == null ? Duration.ZERO : clockShift;
    multicastWait = multicastWait == null ? DEFAULT_MULTICAST_WAIT : multicastWait;
    if (multicastWait.isNegative() || multicastWait.isZero() || multicastWait.compareTo(Duration.ofSeconds(30)) > 0) {
      throw new IllegalArgumentException("doctor.multicastWait must be more than 0 and at most 30 s, was " + multicastWait);
    }
  }
}
