package dev.outpost.transport;

/**
 * An HTTP proxy that outbound links go through with {@code CONNECT}, optionally with Basic
 * credentials. The password never appears in {@link #toString()} (nor in logs or errors).
 *
 * @param host the proxy's host name or address
 * @param port the proxy's port (1–65535)
 * @param user the user for Basic proxy authentication, or null for none
 * @param password the password for {@code user}; required when a user is given
 */
public record ProxyConfig(String host, int port, String user, String password) {
  public ProxyConfig {
    if (host == null || host.isBlank() || host.contains("/") || host.contains(" ")) {
      throw new IllegalArgumentException("proxy.host must be a host name or address, was '" + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("proxy.port must be 1–65535, was " + port);
    }
    if (user != null && user.isEmpty()) {
      user = null;
    }
    if (user != null && user.indexOf(':') >= 0) {
      throw new IllegalArgumentException("proxy.user must not contain ':' (Basic authentication cannot carry it)");
    }
    if (user != null && password == null) {
      throw new IllegalArgumentException("proxy.password is required when proxy.user is set");
    }
    if (user == null && password != null && !password.isEmpty()) {
      throw new IllegalArgumentException("proxy.password is set but proxy.user is not");
    }
  }

  /** A proxy without credentials. */
  public static ProxyConfig of(String host, int port) {
    return new ProxyConfig(host, port, null, null);
  }

  /** Whether Basic credentials are sent to the proxy. */
  public boolean hasCredentials() {
    return user != null;
  }

  @Override
  public String toString() {
    return "ProxyConfig[host=" + host + ", port=" + port + ", user=" + user
        + ", password=" + (password == null ? "none" : "***") + "]";
  }
}
