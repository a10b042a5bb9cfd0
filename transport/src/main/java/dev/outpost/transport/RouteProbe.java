package dev.outpost.transport;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What became of one route when {@link Dialer#probe} tried it: how far it got, why it stopped there,
 * and, when the cloud answered, the answer with its timing and the TLS session's certificates. For
 * {@code outpost connector doctor} and {@code outpost hub doctor}.
 *
 * @param route              {@code host:port} as in {@link DialerConfig#routes()}
 * @param outcome            how far the try got
 * @param detail             in words a firewall admin understands: what answered, or why it failed
 * @param status             the HTTP status when {@link Outcome#ANSWERED}, else 0
 * @param headers            the answer's headers (names case-insensitive), empty without an answer
 * @param sentAtMillis       this machine's clock when the request went out (0 without an answer)
 * @param receivedAtMillis   this machine's clock when the answer's headers arrived (0 without an answer)
 * @param serverCertificates the chain the server presented in a completed handshake, leaf first; empty otherwise
 * @param tlsVersion         the TLS version of a completed handshake ({@code TLSv1.3}), or null
 */
public record RouteProbe(String route, Outcome outcome, String detail, int status, Map<String, String> headers,
                         long sentAtMillis, long receivedAtMillis, List<X509Certificate> serverCertificates,
                         String tlsVersion) {
  /** How far a try of one route got. */
  public enum Outcome {
    /** No TCP connection (to the route, or to the proxy): refused, timed out, unknown host. */
    CONNECT_FAILED,
    /** The proxy refused our credentials or asked for some (HTTP 407). */
    PROXY_REFUSED,
    /** Connected, but the TLS handshake failed (certificate not trusted, wrong name, no TLS on the port). */
    TLS_FAILED,
    /** The handshake worked but the request failed before an answer came. */
    NO_ANSWER,
    /** The server answered with an HTTP status. */
    ANSWERED
  }

  public RouteProbe {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(detail, "detail");
    headers = new DialResponse(status, headers, null).headers();
    serverCertificates = serverCertificates == null ? List.of() : List.copyOf(serverCertificates);
  }

  /** A try that ended before an answer. */
  public static RouteProbe failed(String route, Outcome outcome, String detail) {
    return new RouteProbe(route, outcome, detail, 0, Map.of(), 0, 0, List.of(), null);
  }

  /** Whether the TCP connection (direct, or through the proxy's CONNECT) was made. */
  public boolean connected() {
    return outcome == Outcome.TLS_FAILED || outcome == Outcome.NO_ANSWER || outcome == Outcome.ANSWERED;
  }
}
