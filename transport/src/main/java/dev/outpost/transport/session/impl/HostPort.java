package dev.outpost.transport.session.impl;

/**
 * A stream's target: a host name or IP literal and a port. Written {@code host:port}, IPv6 in
 * brackets ({@code [::1]:22}).
 */
public record HostPort(String host, int port) {
  /** Longest text form accepted: a 253-character DNS name, brackets, colon, port. */
  public static final int MAX_LENGTH = 262;

  public HostPort {
    if (host == null || host.isEmpty() || host.length() > 253) {
      throw new IllegalArgumentException("a target needs a host of 1 to 253 characters");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == ':' || c == '%';
      if (!ok) {
        throw new IllegalArgumentException("'" + host + "' is not a host name or IP address");
      }
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
    }
  }

  /** Parses {@code host:port} or {@code [v6]:port}, saying what is wrong with anything else. */
  public static HostPort parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("no target given; expected host:port");
    }
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("target of " + text.length() + " characters; at most " + MAX_LENGTH);
    }
    String host;
    String port;
    if (text.startsWith("[")) {
      int end = text.indexOf("]:");
      if (end < 0) {
        throw new IllegalArgumentException("'" + text + "' is not [address]:port");
      }
      host = text.substring(1, end);
      port = text.substring(end + 2);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("'" + text + "' has no port; expected host:port");
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException("'" + text + "': write IPv6 addresses in brackets, [address]:port");
      }
    }
    int number;
    try {
      number = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + port + "' in '" + text + "' is not a port number");
    }
    return new HostPort(host, number);
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
