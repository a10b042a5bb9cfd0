package dev.outpost.transport.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** One host and port that the dialer tries, always with TLS. */
public record Route(String host, int port) {
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+");

  /** Every route in try order: each endpoint in turn, with its own port or else each port in order. */
  public static List<Route> all(List<String> endpoints, List<Integer> ports) {
    var routes = new ArrayList<Route>();
    for (var endpoint : endpoints) {
      var parsed = parse(endpoint);
      if (parsed.port() > 0) {
        add(routes, parsed);
      } else {
        for (var port : ports) {
          add(routes, new Route(parsed.host(), port));
        }
      }
    }
    return List.copyOf(routes);
  }

  private static void add(List<Route> routes, Route route) {
    if (!routes.contains(route)) {
      routes.add(route);
    }
  }

  /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}; port 0 when none is given. */
  static Route parse(String endpoint) {
    var text = endpoint.trim();
    if (text.contains("://") || text.contains("/")) {
      throw new IllegalArgumentException("endpoint '" + endpoint
          + "' must be a host name or host:port, not a URL (https is always used)");
    }
    String host;
    String port = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("endpoint '" + endpoint + "' has '[' without ']'");
      }
      host = text.substring(1, close);
      var rest = text.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException("endpoint '" + endpoint + "': expected ':port' after ']'");
        }
        port = rest.substring(1);
      }
    } else {
      int colon = text.indexOf(':');
      if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
        throw new IllegalArgumentException("endpoint '" + endpoint + "': write IPv6 addresses as [address] or [address]:port");
      }
      host = colon < 0 ? text : text.substring(0, colon);
      port = colon < 0 ? null : text.substring(colon + 1);
    }
    if (host.isEmpty() || !HOST.matcher(host).matches()) {
      throw new IllegalArgumentException("endpoint '" + endpoint + "' has no valid host name");
    }
    int number = 0;
    if (port != null) {
      try {
        number = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        number = -1;
      }
      if (number < 1 || number > 65535) {
        throw new IllegalArgumentException("endpoint '" + endpoint + "': port must be 1–65535");
      }
    }
    return new Route(host, number);
  }

  /** {@code https://host:port}, IPv6 in brackets. */
  public String url() {
    return "https://" + authority();
  }

  private String authority() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return authority();
  }
}
