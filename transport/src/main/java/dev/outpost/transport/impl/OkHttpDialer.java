package dev.outpost.transport.impl;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.transport.Channel;
import dev.outpost.transport.ChannelListener;
import dev.outpost.transport.DialException;
import dev.outpost.transport.DialResponse;
import dev.outpost.transport.Dialer;
import dev.outpost.transport.DialerConfig;
import dev.outpost.transport.ProxyConfig;
import dev.outpost.transport.RouteProbe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.ConnectionSpec;
import okhttp3.Credentials;
import okhttp3.EventListener;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.TlsVersion;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link Dialer} on OkHttp: one client, one route index shared by requests and channels. */
public final class OkHttpDialer implements Dialer {
  /** Pings on open channels, so a dead link is noticed within about this time. */
  static final Duration PING_INTERVAL = Duration.ofSeconds(20);
  /** The largest response body {@link #send} reads. */
  static final int MAX_RESPONSE_BYTES = 16 << 20;

  private static final Logger log = LoggerFactory.getLogger(Dialer.class);
  private static final String USER_AGENT = "outpost-dialer";

  private final DialerConfig config;
  private final List<Route> routes;
  private final OkHttpClient client;
  private final AtomicInteger current = new AtomicInteger();
  private final Set<WebSocket> openChannels = ConcurrentHashMap.newKeySet();

  public OkHttpDialer(DialerConfig config, TlsFiles tls) {
    this(config, tls.sslContext(), tls.trustManager());
  }

  public OkHttpDialer(DialerConfig config, javax.net.ssl.SSLContext ssl, javax.net.ssl.X509TrustManager trust) {
    this.config = Objects.requireNonNull(config, "config");
    this.routes = Route.all(config.endpoints(), config.ports());
    var tlsOnly = new ConnectionSpec.Builder(ConnectionSpec.MODERN_TLS)
        .tlsVersions(TlsVersion.TLS_1_3, TlsVersion.TLS_1_2)
        .allEnabledCipherSuites()
        .build();
    var connectMillis = (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis());
    var builder = new OkHttpClient.Builder()
        .sslSocketFactory(ssl.getSocketFactory(), trust)   // default OkHostnameVerifier: names always checked
        .socketFactory(new ConnectPhaseSocketFactory(connectMillis))
        .connectionSpecs(List.of(tlsOnly))
        .connectTimeout(config.connectTimeout())
        .readTimeout(config.requestTimeout())
        .writeTimeout(config.requestTimeout())
        .pingInterval(PING_INTERVAL)
        .followRedirects(false)   // a redirect could carry our credentials elsewhere
        .followSslRedirects(false)
        .eventListenerFactory(call -> {
          var tracker = call.request().tag(PhaseTracker.class);
          return tracker == null ? EventListener.NONE : tracker;
        });
    var proxy = config.proxy();
    if (proxy == null) {
      builder.proxy(Proxy.NO_PROXY);   // never a system-wide proxy the config does not name
    } else {
      builder.proxy(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.host(), proxy.port())))
          .proxyAuthenticator((route, response) -> {
            if (!proxy.hasCredentials() || response.request().header("Proxy-Authorization") != null) {
              return null;   // nothing (more) to offer: OkHttp fails with "Failed to authenticate with proxy"
            }
            return response.request().newBuilder()
                .header("Proxy-Authorization", Credentials.basic(proxy.user(), proxy.password(), StandardCharsets.UTF_8))
                .build();
          });
    }
    this.client = builder.build();
  }

  @Override
  public DialResponse send(String method, String path, String contentType, byte[] body, Map<String, String> headers) {
    Objects.requireNonNull(method, "method");
    requirePath(path);
    var failures = new ArrayList<String>();
    int start = current.get();
    for (int k = 0; k < routes.size(); k++) {
      int index = (start + k) % routes.size();
      var route = routes.get(index);
      var tracker = new PhaseTracker();
      var request = request(route, path, headers)
          .method(method, body(method, contentType, body))
          .tag(PhaseTracker.class, tracker)
          .build();
      try (var response = client.newCall(request).execute()) {
        var answer = new DialResponse(response.code(), headers(response.headers()), read(response, route));
        settle(start, index, failures);
        return answer;
      } catch (IOException e) {
        var reason = Attempt.describe(e, tracker.phase, config.proxy(), config.connectTimeout());
        failures.add(route.url() + " → " + reason);
        if (Attempt.isProxyAuthFailure(e)) {
          throw new DialException("the proxy refused us", failures, e);
        }
        if (tracker.phase == Attempt.Phase.CONNECTED) {
          current.compareAndSet(start, (index + 1) % routes.size());
          throw new DialException(method + " " + path + " failed after connecting (not retried on another route,"
              + " it may have arrived)", failures, e);
        }
        log.debug("route {} failed: {}", route.url(), reason);
      }
    }
    throw new DialException("no route answered " + method + " " + path + " (" + via() + ", tried " + routes.size()
        + " routes)", failures, null);
  }

  @Override
  public CompletableFuture<Channel> openChannel(String path, Map<String, String> headers, ChannelListener listener) {
    requirePath(path);
    Objects.requireNonNull(listener, "listener");
    var future = new CompletableFuture<Channel>();
    open(path, headers, listener, current.get(), 0, new ArrayList<>(), future);
    return future;
  }

  private void open(String path, Map<String, String> headers, ChannelListener listener, int start, int k,
      List<String> failures, CompletableFuture<Channel> future) {
    if (k == routes.size()) {
      future.completeExceptionally(new DialException("no route accepted a channel to " + path + " (" + via()
          + ", tried " + routes.size() + " routes)", failures, null));
      return;
    }
    int index = (start + k) % routes.size();
    var route = routes.get(index);
    var channel = new OkChannel(listener);
    client.newWebSocket(request(route, path, headers).build(), new WebSocketListener() {
      @Override
      public void onOpen(WebSocket socket, Response response) {
        channel.opened(socket);
        openChannels.add(socket);
        settle(start, index, failures);
        if (!future.complete(channel)) {
          socket.cancel();
        }
      }

      @Override
      public void onMessage(WebSocket socket, String text) {
        listener.onText(channel, text);
      }

      @Override
      public void onClosing(WebSocket socket, int code, String reason) {
        socket.close(code, null);   // answer the peer's close; onClosed follows
      }

      @Override
      public void onClosed(WebSocket socket, int code, String reason) {
        openChannels.remove(socket);
        listener.onClosed(channel, code, reason);
      }

      @Override
      public void onFailure(WebSocket socket, Throwable error, Response response) {
        openChannels.remove(socket);
        if (channel.isOpen()) {
          listener.onFailure(channel, error);
          return;
        }
        if (response != null) {
          failures.add(route.url() + " → answered HTTP " + response.code() + " instead of opening a WebSocket");
          future.completeExceptionally(new DialException("the channel to " + path + " was refused", failures, null));
          return;
        }
        var reason = Attempt.describe(error, Attempt.phaseOf(error), config.proxy(), config.connectTimeout());
        failures.add(route.url() + " → " + reason);
        if (Attempt.isProxyAuthFailure(error)) {
          future.completeExceptionally(new DialException("the proxy refused us", failures, error));
          return;
        }
        log.debug("route {} failed for a channel: {}", route.url(), reason);
        open(path, headers, listener, start, k + 1, failures, future);
      }
    });
  }

  @Override
  public List<RouteProbe> probe(String path) {
    requirePath(path);
    var fresh = client.newBuilder().connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS)).build();
    var results = new ArrayList<RouteProbe>();
    for (var route : routes) {
      var tracker = new PhaseTracker();
      var request = request(route, path, null).get().tag(PhaseTracker.class, tracker).build();
      try (var response = fresh.newCall(request).execute()) {
        var handshake = response.handshake();
        var chain = handshake == null ? List.<X509Certificate>of() : handshake.peerCertificates().stream()
            .filter(X509Certificate.class::isInstance).map(X509Certificate.class::cast).toList();
        results.add(new RouteProbe(route.toString(), RouteProbe.Outcome.ANSWERED, "answered HTTP " + response.code(),
            response.code(), headers(response.headers()), response.sentRequestAtMillis(),
            response.receivedResponseAtMillis(), chain, handshake == null ? null : handshake.tlsVersion().javaName()));
      } catch (IOException e) {
        var reason = Attempt.describe(e, tracker.phase, config.proxy(), config.connectTimeout());
        results.add(RouteProbe.failed(route.toString(), outcome(e, tracker.phase), reason));
      }
    }
    fresh.connectionPool().evictAll();
    return results;
  }

  private static RouteProbe.Outcome outcome(IOException error, Attempt.Phase phase) {
    if (Attempt.isProxyAuthFailure(error)) {
      return RouteProbe.Outcome.PROXY_REFUSED;
    }
    return switch (phase) {
      case CONNECTING -> RouteProbe.Outcome.CONNECT_FAILED;
      case TLS_HANDSHAKE -> RouteProbe.Outcome.TLS_FAILED;
      case CONNECTED -> RouteProbe.Outcome.NO_ANSWER;
    };
  }

  @Override
  public Duration backoff(int failures) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures must be at least 1, was " + failures);
    }
    long min = config.backoffMin().toMillis();
    long max = config.backoffMax().toMillis();
    long ceiling = min;
    for (int i = 0; i < failures && ceiling < max; i++) {
      ceiling = ceiling > max / 2 ? max : ceiling * 2;
    }
    return Duration.ofMillis(ceiling == min ? min : ThreadLocalRandom.current().nextLong(min, ceiling + 1));
  }

  @Override
  public String currentRoute() {
    return routes.get(current.get()).url();
  }

  @Override
  public void close() {
    for (var socket : openChannels) {
      socket.close(1001, "going away");
    }
    openChannels.clear();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  @Override
  public String toString() {
    return "Dialer[" + currentRoute() + ", " + via() + "]";
  }

  private void settle(int start, int index, List<String> failures) {
    if (current.compareAndSet(start, index) && index != start) {
      log.info("cloud link now uses {} ({})", routes.get(index).url(), String.join("; ", failures));
    }
  }

  private String via() {
    var proxy = config.proxy();
    return proxy == null ? "direct" : "via proxy " + proxy.host() + ":" + proxy.port();
  }

  private static void requirePath(String path) {
    if (path == null || !path.startsWith("/") || path.startsWith("//")) {
      throw new IllegalArgumentException("path must be absolute, like /device/v1/batches, was '" + path + "'");
    }
  }

  private static Request.Builder request(Route route, String path, Map<String, String> headers) {
    var builder = new Request.Builder().url(route.url() + path).header("User-Agent", USER_AGENT);
    if (headers != null) {
      headers.forEach(builder::header);
    }
    return builder;
  }

  private static RequestBody body(String method, String contentType, byte[] body) {
    if (body == null) {
      return switch (method) {
        case "POST", "PUT", "PATCH" -> RequestBody.create(new byte[0], null);
        default -> null;
      };
    }
    return RequestBody.create(body, contentType == null ? null : MediaType.get(contentType));
  }

  private static Map<String, String> headers(Headers headers) {
    var map = new LinkedHashMap<String, String>();
    for (var name : headers.names()) {
      map.put(name, String.join(", ", headers.values(name)));
    }
    return map;
  }

  private static byte[] read(Response response, Route route) throws IOException {
    var source = response.body().source();
    if (source.request(MAX_RESPONSE_BYTES + 1L)) {
      throw new IOException("the answer from " + route.url() + " is larger than " + MAX_RESPONSE_BYTES + " bytes");
    }
    return source.readByteArray();
  }

  /** Follows one call through connect, TLS and the request, so a failure can say where it happened. */
  static final class PhaseTracker extends EventListener {
    volatile Attempt.Phase phase = Attempt.Phase.CONNECTING;

    @Override
    public void secureConnectStart(Call call) {
      phase = Attempt.Phase.TLS_HANDSHAKE;
    }

    @Override
    public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
      phase = Attempt.Phase.CONNECTING;
    }

    @Override
    public void connectionAcquired(Call call, Connection connection) {
      phase = Attempt.Phase.CONNECTED;
    }
  }

  /** A {@link Channel} over an OkHttp WebSocket. */
  private static final class OkChannel implements Channel {
    private final ChannelListener listener;
    private volatile WebSocket socket;

    OkChannel(ChannelListener listener) {
      this.listener = listener;
    }

    void opened(WebSocket socket) {
      this.socket = socket;
    }

    boolean isOpen() {
      return socket != null;
    }

    @Override
    public boolean send(String text) {
      return socket.send(text);
    }

    @Override
    public void close(int code, String reason) {
      socket.close(code, reason);
    }

    @Override
    public String toString() {
      return "Channel[" + socket.request().url() + ", listener=" + listener.getClass().getSimpleName() + "]";
    }
  }
}
