package dev.outpost.transport;

import dev.outpost.transport.impl.Route;
import java.time.Duration;
import java.util.List;

/**
 * Where and how an outbound link dials: the endpoints in order of preference, the ports tried on
 * each (TLS on every one), an optional HTTP CONNECT proxy, the timeouts and the backoff between
 * failed attempts. Bound from the role's config file; a null field takes its {@code DEFAULT_}.
 *
 * @param endpoints DNS names in order of preference, each {@code host} or {@code host:port}; a
 *     port given pins that endpoint to that one port ({@code [v6-address]:port} for IPv6)
 * @param ports the ports tried in order on each endpoint without its own port
 * @param proxy an HTTP proxy that every connection goes through, or null for direct connections
 * @param connectTimeout the limit for TCP connect, proxy CONNECT and TLS handshake on one route
 * @param requestTimeout the limit for sending a request and for each wait for its answer
 * @param backoffMin the shortest wait after a failure
 * @param backoffMax the longest wait after many failures in a row
 */
public record DialerConfig(List<String> endpoints, List<Integer> ports, ProxyConfig proxy, Duration connectTimeout,
    Duration requestTimeout, Duration backoffMin, Duration backoffMax) {
  public static final List<Integer> DEFAULT_PORTS = List.of(443, 5935, 80);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_BACKOFF_MIN = Duration.ofSeconds(1);
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(60);

  public DialerConfig {
    if (endpoints == null || endpoints.isEmpty()) {
      throw new IllegalArgumentException("endpoints: at least one endpoint (host or host:port) is needed");
    }
    for (var endpoint : endpoints) {
      if (endpoint == null) {
        throw new IllegalArgumentException("endpoints must not contain null");
      }
    }
    endpoints = List.copyOf(endpoints);
    if (ports == null) {
      ports = DEFAULT_PORTS;
    }
    if (ports.isEmpty()) {
      throw new IllegalArgumentException("ports must not be empty (leave it out for the default " + DEFAULT_PORTS + ")");
    }
    for (var port : ports) {
      if (port == null || port < 1 || port > 65535) {
        throw new IllegalArgumentException("ports must be 1–65535, found " + port);
      }
    }
    ports = List.copyOf(ports);
    connectTimeout = positive(connectTimeout, DEFAULT_CONNECT_TIMEOUT, "connectTimeout");
    requestTimeout = positive(requestTimeout, DEFAULT_REQUEST_TIMEOUT, "requestTimeout");
    backoffMin = positive(backoffMin, DEFAULT_BACKOFF_MIN, "backoffMin");
    backoffMax = positive(backoffMax, DEFAULT_BACKOFF_MAX, "backoffMax");
    if (backoffMin.compareTo(backoffMax) > 0) {
      throw new IllegalArgumentException("backoffMin (" + backoffMin + ") must not exceed backoffMax (" + backoffMax + ")");
    }
    Route.all(endpoints, ports); // validates every endpoint, with a message naming the bad one
  }

  /** Direct connections to the endpoints with every default. */
  public static DialerConfig of(String... endpoints) {
    return new DialerConfig(List.of(endpoints), null, null, null, null, null, null);
  }

  /** The same configuration with another proxy (or none). */
  public DialerConfig withProxy(ProxyConfig proxy) {
    return new DialerConfig(endpoints, ports, proxy, connectTimeout, requestTimeout, backoffMin, backoffMax);
  }

  /**
   * Every route in the order the dialer tries them, as {@code host:port}: each endpoint in turn,
   * with its pinned port or else each of {@link #ports()} in order. For logs, {@code doctor} and
   * the firewall guides.
   */
  public List<String> routes() {
    return Route.all(endpoints, ports).stream().map(Route::toString).toList();
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
