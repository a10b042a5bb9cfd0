package dev.outpost.cloud.impl;

/**
 * The cloud cannot serve the request now, but may soon (503), or a device did not answer in time
 * (504): not the client's fault and not a bug. The message is for the client (it names no
 * internals), and a {@code Retry-After} tells senders when to try again.
 */
public final class Unavailable extends CloudException {
  private final long retryAfterSeconds;

  private Unavailable(int status, String message, long retryAfterSeconds, Throwable cause) {
    super(status, message, cause, false);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 503: try again after the given seconds (0: no advice). */
  public static Unavailable now(String message, long retryAfterSeconds, Throwable cause) {
    return new Unavailable(503, message, retryAfterSeconds, cause);
  }

  /** 504: what the request waited for did not come in time. */
  public static Unavailable timedOut(String message) {
    return new Unavailable(504, message, 0, null);
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
