package dev.outpost.hub;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a hub needs to start: its data folder, its name, and where its connector listens. Everything
 * else (its sensors) comes from the cloud through the connector.
 *
 * @param dataDir   the machine's folder: identity, trusted CA, outbox, last applied configuration
 * @param name      a human name; default: the host name
 * @param connector {@code host} or {@code host:port} of the connector's LAN gateway
 * @param outbox    outbox limits
 * @param link      how the hub talks to its connector
 * @param token     the site's hub enrolment token: with it the hub is approved at once; without
 *                  it the hub waits for an admin to approve it (only needed until it is enrolled)
 * @param discovery where to look for the connector by UPnP when {@code connector} is not given
 *                  (default: every non-loopback IPv4 interface)
 * @param fallback  whether and when the hub uploads directly to the cloud without its connector
 * @param doctor    settings of {@code outpost hub doctor} (its clock threshold, …)
 */
public record HubConfig(Path dataDir, String name, String connector, OutboxLimits outbox, Link link, String token,
                        dev.outpost.hub.discovery.DiscoveryConfig discovery, Fallback fallback,
                        dev.outpost.hub.doctor.DoctorSettings doctor) {
  /** The TCP port of a connector's LAN gateway (TLS). */
  public static final int DEFAULT_CONNECTOR_PORT = 4443;

  public HubConfig {
    if (dataDir == null) {
      throw new IllegalArgumentException("dataDir is required");
    }
    if (name == null || name.isBlank()) {
      name = hostName();
    }
    outbox = outbox == null ? OutboxLimits.DEFAULTS : outbox;
    link = link == null ? Link.DEFAULTS : link;
    token = token == null || token.isBlank() ? null : token.strip();
    connector = connector == null || connector.isBlank() ? null : connector.strip();
    discovery = discovery == null ? dev.outpost.hub.discovery.DiscoveryConfig.DEFAULTS : discovery;
    fallback = fallback == null ? Fallback.DEFAULTS : fallback;
    doctor = doctor == null ? dev.outpost.hub.doctor.DoctorSettings.DEFAULTS : doctor;
  }

  public HubConfig(Path dataDir, String name, String connector, OutboxLimits outbox, Link link, String token,
                   dev.outpost.hub.discovery.DiscoveryConfig discovery, Fallback fallback) {
    this(dataDir, name, connector, outbox, link, token, discovery, fallback, null);
  }

  public HubConfig(Path dataDir, String name, String connector, OutboxLimits outbox, Link link, String token,
                   dev.outpost.hub.discovery.DiscoveryConfig discovery) {
    this(dataDir, name, connector, outbox, link, token, discovery, null, null);
  }

  public HubConfig(Path dataDir, String name, String connector, OutboxLimits outbox, Link link) {
    this(dataDir, name, connector, outbox, link, null, null, null, null);
  }

  public HubConfig(Path dataDir, String name, String connector, OutboxLimits outbox, Link link, String token) {
    this(dataDir, name, connector, outbox, link, token, null, null, null);
  }

  /** Whether the connector is found by UPnP (no address configured). */
  public boolean discovers() {
    return connector == null;
  }

  @Override
  public String toString() {
    return "HubConfig[dataDir=" + dataDir + ", name=" + name + ", connector=" + connector + ", token="
        + (token == null ? "none" : "***") + "]";
  }

  /** The connector's host. */
  public String connectorHost() {
    requireConnector();
    int colon = connector.lastIndexOf(':');
    return colon < 0 ? connector : connector.substring(0, colon);
  }

  /** The connector's port. */
  public int connectorPort() {
    requireConnector();
    int colon = connector.lastIndexOf(':');
    if (colon < 0) {
      return DEFAULT_CONNECTOR_PORT;
    }
    try {
      return Integer.parseInt(connector.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("connector must be host or host:port, not " + connector);
    }
  }

  private void requireConnector() {
    if (connector == null || connector.isBlank()) {
      throw new IllegalArgumentException("connector (host:port) is required until discovery finds one");
    }
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "hub";
    }
  }

  /**
   * Tuning of the LAN link.
   *
   * @param maxBatchMeasurements measurements in one frame at most
   * @param maxInFlight          frames sent and not yet acknowledged at most
   * @param retryMin             first wait before reconnecting
   * @param retryMax             longest wait before reconnecting
   * @param backlogPerSecond     how fast the backlog of an outage drains behind fresh measurements
   */
  public record Link(int maxBatchMeasurements, int maxInFlight, Duration retryMin, Duration retryMax, int backlogPerSecond) {
    public static final int DEFAULT_MAX_BATCH = 5_000;
    public static final int DEFAULT_MAX_IN_FLIGHT = 4;
    public static final Duration DEFAULT_RETRY_MIN = Duration.ofMillis(500);
    public static final Duration DEFAULT_RETRY_MAX = Duration.ofSeconds(30);
    public static final int DEFAULT_BACKLOG_PER_SECOND = 10_000;
    public static final Link DEFAULTS = new Link(0, 0, null, null, 0);

    public Link {
      maxBatchMeasurements = maxBatchMeasurements <= 0 ? DEFAULT_MAX_BATCH : maxBatchMeasurements;
      maxInFlight = maxInFlight <= 0 ? DEFAULT_MAX_IN_FLIGHT : maxInFlight;
      retryMin = retryMin == null ? DEFAULT_RETRY_MIN : retryMin;
      retryMax = retryMax == null ? DEFAULT_RETRY_MAX : retryMax;
      backlogPerSecond = backlogPerSecond <= 0 ? DEFAULT_BACKLOG_PER_SECOND : backlogPerSecond;
    }

    public Link(int maxBatchMeasurements, int maxInFlight, Duration retryMin, Duration retryMax) {
      this(maxBatchMeasurements, maxInFlight, retryMin, retryMax, 0);
    }
  }

  /**
   * The fallback: when the hub has had no link to its connector for {@code after}, and may
   * ({@code allowed}), and reaches the cloud itself, it uploads its measurements directly with its
   * own identity, until its service restarts.
   *
   * @param allowed whether the hub may upload directly (default true)
   * @param after   how long without a connector before it tries (default 2 minutes)
   * @param cloud   how to reach the cloud; default: the endpoints and ports its connector told it,
   *                dialled directly (a hub that needs a proxy has the whole route here)
   * @param uplink  how the hub uploads when it does
   */
  public record Fallback(Boolean allowed, Duration after, dev.outpost.transport.DialerConfig cloud, CloudUplink.Settings uplink) {
    public static final Duration DEFAULT_AFTER = Duration.ofMinutes(2);
    public static final Fallback DEFAULTS = new Fallback(null, null, null, null);

    public Fallback {
      allowed = allowed == null || allowed;
      after = after == null ? DEFAULT_AFTER : after;
      if (after.isNegative() || after.isZero()) {
        throw new IllegalArgumentException("fallback.after must be positive, was " + after);
      }
      uplink = uplink == null ? CloudUplink.Settings.DEFAULTS : uplink;
    }

    /** Whether the hub may upload directly. */
    public boolean isAllowed() {
      return allowed;
    }
  }
}
