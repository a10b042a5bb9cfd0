package dev.outpost.transport.session;

import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts and limits of one session end.
 *
 * @param handshakeTimeout TLS handshake and greeting, each end
 * @param idleTimeout the session ends after this long without stream traffic either way
 *     (keepalive pings do not count)
 * @param keepaliveInterval a PING this often; the session ends when nothing at all came from the
 *     other end for three intervals
 * @param openTimeout how long {@link OperatorSession#openStream} waits for the device's answer
 * @param connectTimeout how long the device end waits for a target to accept its connection
 * @param window bytes each stream may have in flight towards this end before it consumed them, at
 *     first: a stream that the window holds back (not its consumer) gets more, up to {@link #MAX_WINDOW}
 * @param maxStreams streams open at once; the device refuses more
 */
public record SessionOptions(Duration handshakeTimeout, Duration idleTimeout, Duration keepaliveInterval,
    Duration openTimeout, Duration connectTimeout, int window, int maxStreams) {
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(15);
  public static final Duration DEFAULT_KEEPALIVE_INTERVAL = Duration.ofSeconds(15);
  public static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofSeconds(15);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_WINDOW = 1024 * 1024;
  public static final int MIN_WINDOW = 16 * 1024;
  public static final int MAX_WINDOW = 16 * 1024 * 1024;
  public static final int DEFAULT_MAX_STREAMS = 100;

  public SessionOptions {
    requirePositive(handshakeTimeout, "handshakeTimeout");
    requirePositive(idleTimeout, "idleTimeout");
    requirePositive(keepaliveInterval, "keepaliveInterval");
    requirePositive(openTimeout, "openTimeout");
    requirePositive(connectTimeout, "connectTimeout");
    if (window < MIN_WINDOW || window > MAX_WINDOW) {
      throw new IllegalArgumentException("window must be " + MIN_WINDOW + " to " + MAX_WINDOW + " bytes, was " + window);
    }
    if (maxStreams < 1 || maxStreams > 10_000) {
      throw new IllegalArgumentException("maxStreams must be 1 to 10000, was " + maxStreams);
    }
  }

  /** Every option at its {@code DEFAULT_…}. */
  public static SessionOptions defaults() {
    return new SessionOptions(DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_KEEPALIVE_INTERVAL,
        DEFAULT_OPEN_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_WINDOW, DEFAULT_MAX_STREAMS);
  }

  public SessionOptions withHandshakeTimeout(Duration value) {
    return new SessionOptions(value, idleTimeout, keepaliveInterval, openTimeout, connectTimeout, window, maxStreams);
  }

  public SessionOptions withIdleTimeout(Duration value) {
    return new SessionOptions(handshakeTimeout, value, keepaliveInterval, openTimeout, connectTimeout, window,
        maxStreams);
  }

  public SessionOptions withKeepaliveInterval(Duration value) {
    return new SessionOptions(handshakeTimeout, idleTimeout, value, openTimeout, connectTimeout, window, maxStreams);
  }

  public SessionOptions withOpenTimeout(Duration value) {
    return new SessionOptions(handshakeTimeout, idleTimeout, keepaliveInterval, value, connectTimeout, window,
        maxStreams);
  }

  public SessionOptions withConnectTimeout(Duration value) {
    return new SessionOptions(handshakeTimeout, idleTimeout, keepaliveInterval, openTimeout, value, window,
        maxStreams);
  }

  public SessionOptions withWindow(int value) {
    return new SessionOptions(handshakeTimeout, idleTimeout, keepaliveInterval, openTimeout, connectTimeout, value,
        maxStreams);
  }

  public SessionOptions withMaxStreams(int value) {
    return new SessionOptions(handshakeTimeout, idleTimeout, keepaliveInterval, openTimeout, connectTimeout, window,
        value);
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }
}
