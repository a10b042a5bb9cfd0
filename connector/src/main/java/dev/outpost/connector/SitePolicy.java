package dev.outpost.connector;

import dev.outpost.transport.session.TargetPolicy;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Which targets remote sessions may reach through this connector: addresses in {@code networks}
 * (CIDR, IPv4 or IPv6) on {@code ports} (empty: any port). The default is the connector itself
 * only ({@code 127.0.0.0/8} and {@code ::1}); an admin widens it in the connector's config file,
 * e.g. {@code "remote": {"networks": ["192.168.1.0/24"], "ports": [22, 3389, 443]}}. A name is
 * resolved once by the session end and checked by the address it connects to.
 *
 * @param networks    allowed networks, CIDR
 * @param ports       allowed ports; empty for any
 * @param idleTimeout a session without traffic this long is closed
 */
public record SitePolicy(List<String> networks, List<Integer> ports, Duration idleTimeout) implements TargetPolicy {
  public static final List<String> DEFAULT_NETWORKS = List.of("127.0.0.0/8", "::1/128");
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(15);
  public static final SitePolicy DEFAULTS = new SitePolicy(null, null, null);

  public SitePolicy {
    networks = networks == null ? DEFAULT_NETWORKS : List.copyOf(networks);
    ports = ports == null ? List.of() : List.copyOf(ports);
    idleTimeout = idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout;
    for (String network : networks) {
      Cidr.parse(network);
    }
    for (Integer port : ports) {
      if (port == null || port < 1 || port > 65_535) {
        throw new IllegalArgumentException("remote.ports must be 1–65535, found " + port);
      }
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("remote.idleTimeout must be positive");
    }
  }

  @Override
  public Optional<String> refusal(String host, int port, InetAddress address) {
    if (!ports.isEmpty() && !ports.contains(port)) {
      return Optional.of("port " + port + " is outside the site policy (allowed: " + ports + ")");
    }
    for (String network : networks) {
      if (Cidr.parse(network).contains(address)) {
        return Optional.empty();
      }
    }
    return Optional.of(host + " (" + address.getHostAddress() + ") is outside the site policy (allowed: " + networks + ")");
  }

  /** Checks a {@code host:port} before any name is resolved: only the port, and whether it parses. */
  public Optional<String> refusalBeforeResolving(String target) {
    int colon = target.lastIndexOf(':');
    if (colon <= 0) {
      return Optional.of("target must be host:port");
    }
    try {
      int port = Integer.parseInt(target.substring(colon + 1));
      if (!ports.isEmpty() && !ports.contains(port)) {
        return Optional.of("port " + port + " is outside the site policy (allowed: " + ports + ")");
      }
    } catch (NumberFormatException e) {
      return Optional.of("target must be host:port");
    }
    return Optional.empty();
  }

  /** A network in CIDR notation. */
  record Cidr(byte[] network, int bits) {
    private static final java.util.regex.Pattern LITERAL =
        java.util.regex.Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*");

    /** Only address literals: a name here would be looked up, and policies do not depend on DNS. */
    static Cidr parse(String text) {
      int slash = text.indexOf('/');
      String literal = slash < 0 ? text : text.substring(0, slash);
      var bad = new IllegalArgumentException("remote.networks: '" + text + "' is not a network in CIDR notation");
      if (!LITERAL.matcher(literal).matches()) {
        throw bad;
      }
      try {
        byte[] address = InetAddress.getByName(literal).getAddress();
        int bits = slash < 0 ? address.length * 8 : Integer.parseInt(text.substring(slash + 1));
        if (bits < 0 || bits > address.length * 8) {
          throw bad;
        }
        return new Cidr(address, bits);
      } catch (UnknownHostException | NumberFormatException e) {
        throw bad;
      }
    }

    boolean contains(InetAddress address) {
      byte[] candidate = address.getAddress();
      if (candidate.length != network.length) {
        return false;
      }
      BigInteger mask = BigInteger.ONE.shiftLeft(network.length * 8).subtract(BigInteger.ONE)
          .xor(BigInteger.ONE.shiftLeft(network.length * 8 - bits).subtract(BigInteger.ONE));
      return new BigInteger(1, candidate).and(mask).equals(new BigInteger(1, network).and(mask));
    }
  }
}
