package dev.outpost.transport.impl;

import dev.outpost.transport.ProxyConfig;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * What became of one try of one route, in words a firewall admin understands, and whether the
 * dialer should move on to the next route.
 */
final class Attempt {
  /** How far a try of a route got; set by the call's event listener. */
  enum Phase { CONNECTING, TLS_HANDSHAKE, CONNECTED }

  private Attempt() {}

  static final String PROXY_AUTH_FAILED = "Failed to authenticate with proxy";

  /**
   * Whether a proxy refused our credentials (or asked for some we do not have): no route would do
   * better. Besides the standard 407, a 401 to CONNECT counts too: tinyproxy 1.11 (Debian 12)
   * answers failed Basic authentication with 401.
   */
  static boolean isProxyAuthFailure(Throwable error) {
    return error instanceof IOException && (PROXY_AUTH_FAILED.equals(error.getMessage())
        || "Unexpected response code for CONNECT: 401".equals(error.getMessage()));
  }

  /** For calls without an event listener (WebSocket opens): a timeout after connecting is in the TLS handshake. */
  static Phase phaseOf(Throwable error) {
    if (error instanceof SocketTimeoutException && !String.valueOf(error.getMessage()).contains("connect")) {
      return Phase.TLS_HANDSHAKE;
    }
    return Phase.CONNECTING;
  }

  static String describe(Throwable error, Phase phase, ProxyConfig proxy, Duration connectTimeout) {
    if (isProxyAuthFailure(error)) {
      var where = "proxy " + proxy.host() + ":" + proxy.port();
      var status = PROXY_AUTH_FAILED.equals(error.getMessage()) ? "HTTP 407 Proxy Authentication Required"
          : "HTTP 401, which some proxies answer instead of 407 Proxy Authentication Required";
      return proxy.hasCredentials()
          ? where + " refused the credentials of user '" + proxy.user() + "' (" + status + ")"
          : where + " requires proxy authentication (" + status + ") and no proxy.user is configured";
    }
    var message = String.valueOf(error.getMessage());
    if (message.startsWith("Unexpected response code for CONNECT: ")) {
      return "proxy refused to CONNECT to this route (HTTP " + message.substring(message.lastIndexOf(' ') + 1) + ")";
    }
    if (error instanceof UnknownHostException) {
      return "unknown host (DNS lookup failed: " + message + ")";
    }
    if (error instanceof ConnectException || error instanceof NoRouteToHostException) {
      var to = proxy == null ? "" : " to proxy " + proxy.host() + ":" + proxy.port();
      return "connection refused" + to + " (" + message + ")";
    }
    if (error instanceof SocketTimeoutException || error instanceof InterruptedIOException && phase != Phase.CONNECTED) {
      return switch (phase) {
        case CONNECTING -> "no connection within " + seconds(connectTimeout)
            + (proxy == null ? " (TCP connect timed out)" : " (proxy connect or CONNECT timed out)");
        case TLS_HANDSHAKE -> "connected, but no TLS answer within " + seconds(connectTimeout)
            + " (TLS handshake timed out: the port is open but does not speak TLS to us)";
        case CONNECTED -> "timed out waiting for the answer (" + message + ")";
      };
    }
    if (error instanceof SSLPeerUnverifiedException) {
      return "server certificate does not match the host name: " + message.replaceAll("\\s+", " ");
    }
    if (error instanceof SSLHandshakeException || error instanceof SSLException) {
      if (hasCause(error, CertificateExpiredException.class)) {
        return "server certificate has expired: " + rootMessage(error);
      }
      if (hasCause(error, CertificateNotYetValidException.class)) {
        return "server certificate is not valid yet (is this machine's clock right?): " + rootMessage(error);
      }
      if (hasCause(error, CertPathBuilderException.class)) {
        return "server certificate is not trusted: not issued by a CA in ca.pem (" + rootMessage(error) + ")";
      }
      if (hasCause(error, CertPathValidatorException.class) || hasCause(error, CertificateException.class)) {
        return "server certificate is not trusted (not issued by a CA in ca.pem, or expired): " + rootMessage(error);
      }
      return "TLS handshake failed: " + message;
    }
    return error.getClass().getSimpleName() + ": " + message;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
    for (var t = error; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable error) {
    var root = error;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return firstLine(String.valueOf(root.getMessage()));
  }

  private static String firstLine(String s) {
    int newline = s.indexOf('\n');
    return newline < 0 ? s : s.substring(0, newline);
  }
}
