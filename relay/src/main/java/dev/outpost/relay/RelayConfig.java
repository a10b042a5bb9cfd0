package dev.outpost.relay;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Configuration of one relay server; bound by Jackson from the relay's config file (durations as
 * ISO-8601, {@code "PT30S"}), validated here, a null field takes its {@code DEFAULT_}.
 *
 * @param dataDir where the relay's TLS files live ({@code identity.key}, {@code identity.pem}, see
 *     {@link dev.outpost.crypto.TlsFiles}); required
 * @param name the name the relay is registered under with the access server ({@code [A-Za-z0-9._-]}, 1–64); required
 * @param region where the relay runs, shown to operators and used by the relay choice; default {@value #DEFAULT_REGION}
 * @param host the interface to listen on; default {@value #DEFAULT_HOST}
 * @param port the TLS port; 0 picks a free one; default {@value #DEFAULT_PORT}
 * @param maxSessions sessions (waiting or paired) at once; a join that would start one more gets
 *     {@code ERR busy}; default {@value #DEFAULT_MAX_SESSIONS}
 * @param bytesPerSecondPerSession the bandwidth of one session, both directions together; also the
 *     highest a ticket may ask for; default {@value #DEFAULT_BYTES_PER_SECOND_PER_SESSION} (100 Mbit/s)
 * @param bytesPerSecondTotal the bandwidth of all sessions together; default
 *     {@value #DEFAULT_BYTES_PER_SECOND_TOTAL} (1 Gbit/s)
 * @param handshakeTimeout how long a new connection has for its TLS handshake, and then again for
 *     its first line; default 5 s
 * @param pairTimeout how long a joined end waits for the other end; default 30 s
 * @param idleTimeout a paired session, or a connection that only pings, that moves no byte for
 *     this long is closed; default 10 min
 */
public record RelayConfig(Path dataDir, String name, String region, String host, Integer port, Integer maxSessions,
    Long bytesPerSecondPerSession, Long bytesPerSecondTotal, Duration handshakeTimeout, Duration pairTimeout,
    Duration idleTimeout) {
  public static final String DEFAULT_REGION = "default";
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 443;
  public static final int DEFAULT_MAX_SESSIONS = 1000;
  public static final long DEFAULT_BYTES_PER_SECOND_PER_SESSION = 12_500_000L;
  public static final long DEFAULT_BYTES_PER_SECOND_TOTAL = 125_000_000L;
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_PAIR_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public RelayConfig {
    if (dataDir == null) {
      throw new IllegalArgumentException("dataDir is required: the folder with the relay's identity.key and identity.pem");
    }
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name is required: 1 to 64 of A-Z a-z 0-9 . _ -, was "
          + (name == null ? "missing" : "'" + name + "'"));
    }
    region = region == null || region.isBlank() ? DEFAULT_REGION : region.strip();
    host = host == null || host.isBlank() ? DEFAULT_HOST : host.strip();
    port = port == null ? DEFAULT_PORT : port;
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be 0 to 65535 (0: any free port), was " + port);
    }
    maxSessions = maxSessions == null ? DEFAULT_MAX_SESSIONS : maxSessions;
    if (maxSessions < 1) {
      throw new IllegalArgumentException("maxSessions must be at least 1, was " + maxSessions);
    }
    bytesPerSecondPerSession = positive(bytesPerSecondPerSession, DEFAULT_BYTES_PER_SECOND_PER_SESSION,
        "bytesPerSecondPerSession");
    bytesPerSecondTotal = positive(bytesPerSecondTotal, DEFAULT_BYTES_PER_SECOND_TOTAL, "bytesPerSecondTotal");
    handshakeTimeout = positive(handshakeTimeout, DEFAULT_HANDSHAKE_TIMEOUT, "handshakeTimeout");
    pairTimeout = positive(pairTimeout, DEFAULT_PAIR_TIMEOUT, "pairTimeout");
    idleTimeout = positive(idleTimeout, DEFAULT_IDLE_TIMEOUT, "idleTimeout");
  }

  /** Every default, with the given data folder and name. */
  public static RelayConfig of(Path dataDir, String name) {
    return new RelayConfig(dataDir, name, null, null, null, null, null, null, null, null, null);
  }

  /** The same configuration on another interface and port (0: any free port). */
  public RelayConfig withAddress(String newHost, int newPort) {
    return new RelayConfig(dataDir, name, region, newHost, newPort, maxSessions, bytesPerSecondPerSession,
        bytesPerSecondTotal, handshakeTimeout, pairTimeout, idleTimeout);
  }

  /** The same configuration with other limits; a null keeps the current value. */
  public RelayConfig withLimits(Integer newMaxSessions, Long newPerSession, Long newTotal) {
    return new RelayConfig(dataDir, name, region, host, port,
        newMaxSessions == null ? maxSessions : newMaxSessions,
        newPerSession == null ? bytesPerSecondPerSession : newPerSession,
        newTotal == null ? bytesPerSecondTotal : newTotal, handshakeTimeout, pairTimeout, idleTimeout);
  }

  /** The same configuration with other timeouts; a null keeps the current value. */
  public RelayConfig withTimeouts(Duration newHandshake, Duration newPair, Duration newIdle) {
    return new RelayConfig(dataDir, name, region, host, port, maxSessions, bytesPerSecondPerSession,
        bytesPerSecondTotal, newHandshake == null ? handshakeTimeout : newHandshake,
        newPair == null ? pairTimeout : newPair, newIdle == null ? idleTimeout : newIdle);
  }

  private static long positive(Long value, long fallback, String name) {
    if (value == null) {
      return fallback;
    }
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive (bytes per second), was " + value);
    }
    return value;
  }

  private static Duration positive(Duration value, Duration fallback, String name) {
    if (value == null) {
      return fallback;
    }
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
    return value;
  }
}
