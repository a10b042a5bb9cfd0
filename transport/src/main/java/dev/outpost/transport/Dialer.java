package dev.outpost.transport;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.transport.impl.OkHttpDialer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The one outbound dialer that every link to the cloud uses. It knows an ordered list of routes
 * (each endpoint with each of its ports: 443, then 5935, then 80 by default, TLS on every one),
 * dials them directly or through an HTTP CONNECT proxy, and sticks to the route that worked last.
 * Certificate and hostname checks are always on; only the CAs in {@code ca.pem} are trusted.
 */
public interface Dialer extends AutoCloseable {
  /**
   * A dialer for the config. Trust comes from {@code tls.ca()}; when the machine has an identity
   * ({@link TlsFiles#hasIdentity()}), its certificate is presented as client certificate.
   *
   * @throws dev.outpost.crypto.CryptoException if the TLS files cannot be read
   */
  static Dialer create(DialerConfig config, TlsFiles tls) {
    return new OkHttpDialer(config, tls);
  }

  /**
   * A dialer for a machine's first contact, before it has an identity or a {@code ca.pem}: it
   * presents no certificate and trusts what {@code trust} trusts (a {@link dev.outpost.crypto.PinnedCa});
   * hostnames are still checked.
   */
  static Dialer firstContact(DialerConfig config, javax.net.ssl.X509TrustManager trust) {
    return new OkHttpDialer(config, TlsFiles.anonymousClientContext(trust), trust);
  }

  /**
   * Blocking (call it from a worker, never an event loop). Sends one request to the current route;
   * on a connect, proxy or TLS-handshake failure moves on through the routes once around. Any HTTP
   * status is an answer and is returned.
   *
   * @param method GET, POST, PUT, DELETE, …
   * @param path absolute path, optionally with a query, e.g. {@code /device/v1/batches}
   * @param contentType the body's media type, or null without a body
   * @param body the request body, or null
   * @param headers extra request headers, or null
   * @throws DialException if no route answered (the message lists what was tried and why each
   *     failed), the proxy refused the credentials, or the request failed after connecting (it is
   *     then not sent again on another route, as it may have arrived; the next call starts on the
   *     next route)
   */
  DialResponse send(String method, String path, String contentType, byte[] body, Map<String, String> headers);

  /**
   * Opens a WebSocket ({@code wss}) to the path on the first route that accepts, in the same route
   * order as {@link #send}. Completes with the open channel, or fails with a {@link DialException}
   * (also when the server answers the upgrade with another status, e.g. 401).
   */
  CompletableFuture<Channel> openChannel(String path, Map<String, String> headers, ChannelListener listener);

  /**
   * How long to wait after the n-th consecutive failure (n ≥ 1): a random time between
   * {@code backoffMin} and {@code min(backoffMax, backoffMin · 2ⁿ)} ("full jitter"), so many
   * machines that lost the cloud at once do not come back in step.
   */
  Duration backoff(int failures);

  /**
   * Blocking (never on an event loop). Tries every route once, in order, with a fresh connection and
   * {@code GET path}, whatever worked before, and says what became of each (for the doctor). The
   * route the dialer uses does not change.
   */
  List<RouteProbe> probe(String path);

  /** The route in use, e.g. {@code https://cloud.example.net:5935}, for logs and {@code doctor}. */
  String currentRoute();

  /** Closes open channels and releases connections and threads. */
  @Override
  void close();
}
