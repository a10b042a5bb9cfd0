package dev.outpost.hub.discovery;

import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where and how a {@link UpnpNode} talks SSDP.
 *
 * @param interfaces     names of the network interfaces to use ({@code eth0}, {@code lo}); empty or
 *                       {@code null}: every interface that is up, not loopback, multicast-capable and
 *                       has an IPv4 address ({@link #defaultInterfaces()}), resolved when the node starts
 * @param httpPort       TCP port of the HTTP server that serves the device descriptions; 0 (the default)
 *                       picks a free one when the node starts, and that concrete port is what the node
 *                       advertises
 * @param searchInterval how often a running search sends M-SEARCH again (it also sends one at once)
 * @param ttl            IP time-to-live of outgoing multicast; UDA 1.1 recommends 2, tests use 1
 * @param maxAge         the {@code CACHE-CONTROL: max-age} the node's devices advertise; they are
 *                       re-announced after half of it, and peers forget them after it without a word
 */
public record DiscoveryConfig(List<String> interfaces, int httpPort, Duration searchInterval, int ttl, Duration maxAge) {
  /** 0: pick a free port when the node starts. */
  public static final int DEFAULT_HTTP_PORT = 0;
  public static final Duration DEFAULT_SEARCH_INTERVAL = Duration.ofSeconds(30);
  public static final Duration MIN_SEARCH_INTERVAL = Duration.ofSeconds(1);
  public static final Duration MAX_SEARCH_INTERVAL = Duration.ofHours(1);
  /** UDA 1.1: "TTL for IP packet SHOULD default to 2 and SHOULD be configurable". */
  public static final int DEFAULT_TTL = 2;
  /** UDA: max-age SHOULD be at least 1800 s. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(1800);
  public static final Duration MIN_MAX_AGE = Duration.ofSeconds(10);
  public static final Duration MAX_MAX_AGE = Duration.ofDays(1);
  /** The UPnP multicast group and port. */
  public static final String SSDP_GROUP = "239.255.255.250";
  public static final int SSDP_PORT = 1900;

  /** Every default: the machine's LAN interfaces, a free HTTP port, TTL 2. */
  public static final DiscoveryConfig DEFAULTS = new DiscoveryConfig(null, 0, null, 0, null);

  private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9_.:@-]{1,64}");

  public DiscoveryConfig {
    interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
    var seen = new HashSet<String>();
    for (String name : interfaces) {
      if (name == null || !INTERFACE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("interface names are 1 to 64 characters of A-Z a-z 0-9 _ . : @ -, not '"
            + name + "'");
      }
      if (!seen.add(name)) {
        throw new IllegalArgumentException("interface " + name + " is listed twice");
      }
    }
    if (httpPort < 0 || httpPort > 65_535) {
      throw new IllegalArgumentException("httpPort must be 0 (pick a free one) to 65535, not " + httpPort);
    }
    searchInterval = searchInterval == null ? DEFAULT_SEARCH_INTERVAL : searchInterval;
    if (searchInterval.compareTo(MIN_SEARCH_INTERVAL) < 0 || searchInterval.compareTo(MAX_SEARCH_INTERVAL) > 0) {
      throw new IllegalArgumentException("searchInterval must be 1 s to 1 h, not " + searchInterval);
    }
    ttl = ttl == 0 ? DEFAULT_TTL : ttl;
    if (ttl < 1 || ttl > 255) {
      throw new IllegalArgumentException("ttl must be 1 to 255 (0: default " + DEFAULT_TTL + "), not " + ttl);
    }
    maxAge = maxAge == null ? DEFAULT_MAX_AGE : maxAge;
    if (maxAge.compareTo(MIN_MAX_AGE) < 0 || maxAge.compareTo(MAX_MAX_AGE) > 0) {
      throw new IllegalArgumentException("maxAge must be 10 s to 1 day, not " + maxAge);
    }
  }

  /** Only the loopback interface {@code lo}, TTL 1, every other value default: what tests and the demo use. */
  public static DiscoveryConfig loopback() {
    return new DiscoveryConfig(List.of("lo"), 0, null, 1, null);
  }

  /** The same with other interfaces. */
  public DiscoveryConfig withInterfaces(List<String> names) {
    return new DiscoveryConfig(names, httpPort, searchInterval, ttl, maxAge);
  }

  /** The same with another search interval. */
  public DiscoveryConfig withSearchInterval(Duration interval) {
    return new DiscoveryConfig(interfaces, httpPort, interval, ttl, maxAge);
  }

  /** The same with another HTTP port for the descriptions. */
  public DiscoveryConfig withHttpPort(int port) {
    return new DiscoveryConfig(interfaces, port, searchInterval, ttl, maxAge);
  }

  /** True if the interfaces are picked automatically ({@link #defaultInterfaces()}). */
  public boolean automaticInterfaces() {
    return interfaces.isEmpty();
  }

  /**
   * The interfaces a node started now would use: the configured ones, or the {@link #defaultInterfaces()}.
   *
   * @throws DiscoveryException naming the problem if a configured interface is missing, down or has no
   *                            IPv4 address, or if there is no usable interface at all
   */
  public List<NetworkInterface> resolveInterfaces() {
    if (automaticInterfaces()) {
      var found = defaultInterfaces();
      if (found.isEmpty()) {
        throw new DiscoveryException("no network interface is up, multicast-capable and has an IPv4 address"
            + " (interfaces present: " + String.join(", ", allInterfaceNames()) + "); name one in the discovery"
            + " configuration");
      }
      return found;
    }
    var result = new ArrayList<NetworkInterface>();
    for (String name : interfaces) {
      NetworkInterface iface;
      try {
        iface = NetworkInterface.getByName(name);
        if (iface == null) {
          throw new DiscoveryException("network interface " + name + " does not exist (interfaces present: "
              + String.join(", ", allInterfaceNames()) + ")");
        }
        if (!iface.isUp()) {
          throw new DiscoveryException("network interface " + name + " is down");
        }
      } catch (SocketException e) {
        throw new DiscoveryException("cannot read network interface " + name + ": " + e.getMessage(), e);
      }
      if (Collections.list(iface.getInetAddresses()).stream().noneMatch(a -> a instanceof Inet4Address)) {
        throw new DiscoveryException("network interface " + name + " has no IPv4 address; SSDP here is IPv4 only");
      }
      result.add(iface);
    }
    return result;
  }

  /** Every interface that is up, not loopback, not point-to-point, multicast-capable and has an IPv4 address. */
  public static List<NetworkInterface> defaultInterfaces() {
    var result = new ArrayList<NetworkInterface>();
    try {
      for (NetworkInterface iface : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (iface.isUp() && !iface.isLoopback() && !iface.isPointToPoint() && iface.supportsMulticast()
            && Collections.list(iface.getInetAddresses()).stream().anyMatch(a -> a instanceof Inet4Address)) {
          result.add(iface);
        }
      }
    } catch (SocketException e) {
      throw new DiscoveryException("cannot list the network interfaces: " + e.getMessage(), e);
    }
    return result;
  }

  private static List<String> allInterfaceNames() {
    try {
      return Collections.list(NetworkInterface.getNetworkInterfaces()).stream().map(NetworkInterface::getName).toList();
    } catch (SocketException e) {
      return List.of("?");
    }
  }
}
