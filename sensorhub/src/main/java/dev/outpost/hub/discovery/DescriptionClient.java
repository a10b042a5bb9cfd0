package dev.outpost.hub.discovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jupnp.model.message.StreamRequestMessage;
import org.jupnp.model.message.StreamResponseMessage;
import org.jupnp.model.message.UpnpRequest;
import org.jupnp.model.message.UpnpResponse;
import org.jupnp.transport.impl.jetty.StreamClientConfigurationImpl;
import org.jupnp.transport.spi.StreamClient;
import org.jupnp.transport.spi.StreamClientConfiguration;

/**
 * jUPnP's HTTP client replaced by one that only fetches device descriptions: GET over HTTP/1.1, no
 * redirects, short timeouts, at most {@link Description#MAX_CHARS} bytes, and the body checked as an
 * Outpost description before jUPnP sees it. A bad or unreachable description is reported to the
 * {@link SsdpGuard} (which logs it rate-limited and does not let announcements trigger the same fetch
 * again for a while) and given to jUPnP as "no response". jUPnP's own client would follow redirects and
 * keep a never-pruned map of every URL it ever tried.
 */
final class DescriptionClient implements StreamClient<StreamClientConfiguration> {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_REMEMBERED = 1024;

  private final SsdpGuard guard;
  private final ExecutorService executor;
  private final HttpClient http;
  private final StreamClientConfigurationImpl configuration;
  /** Checked descriptions by URL, for the node to read the fields jUPnP's model lacks. */
  private final Map<URI, Description> checked = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<URI, Description> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };

  DescriptionClient(SsdpGuard guard) {
    this.guard = guard;
    var n = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "outpost-upnp-fetch-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(CONNECT_TIMEOUT)
        .proxy(java.net.ProxySelector.of(null))
        .executor(executor)
        .build();
    this.configuration = new StreamClientConfigurationImpl(executor, (int) REQUEST_TIMEOUT.toSeconds());
  }

  /** The checked description last fetched from this URL, or null. */
  Description checked(URI url) {
    synchronized (checked) {
      return checked.get(url);
    }
  }

  @Override
  public StreamResponseMessage sendRequest(StreamRequestMessage message) throws InterruptedException {
    URI uri = message.getUri();
    if (message.getOperation().getMethod() != UpnpRequest.Method.GET || uri == null || !"http".equals(uri.getScheme())) {
      SsdpGuard.LOG.debug("UPnP: not sending {} {}: only description fetches are made", message.getOperation()
          .getHttpMethodName(), uri);
      return null;
    }
    String xml = fetch(uri);
    return xml == null ? null : new StreamResponseMessage(new UpnpResponse(200, "OK"), xml);
  }

  /**
   * Fetches and checks an Outpost device description; null (after telling the guard why) if it cannot be
   * fetched or is not acceptable.
   */
  String fetch(URI uri) throws InterruptedException {
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(uri).GET().timeout(REQUEST_TIMEOUT)
          .header("User-Agent", "Outpost/1 UPnP/1.1").build();
    } catch (IllegalArgumentException e) {
      guard.badDescription(uri, "unusable URL");
      return null;
    }
    // The whole exchange, body included, must finish in time: a request timeout alone ends at the headers.
    CompletableFuture<HttpResponse<byte[]>> pending =
        http.sendAsync(request, info -> new LimitedBody(Description.MAX_CHARS));
    HttpResponse<byte[]> response;
    try {
      response = pending.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      guard.badDescription(uri, "not served within " + REQUEST_TIMEOUT.toSeconds() + " s");
      return null;
    } catch (InterruptedException e) {
      pending.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof LimitedBody.TooLong) {
        guard.badDescription(uri, "longer than " + Description.MAX_CHARS + " bytes");
      } else {
        guard.unreachableDescription(uri);
      }
      return null;
    }
    if (response.statusCode() == 404 || response.statusCode() == 410) {
      guard.unreachableDescription(uri); // withdrawn a moment ago: normal, not an attack
      return null;
    }
    if (response.statusCode() != 200) {
      guard.badDescription(uri, "HTTP status " + response.statusCode());
      return null;
    }
    String xml = new String(response.body(), StandardCharsets.UTF_8);
    Description d;
    try {
      d = Description.parse(xml);
    } catch (Description.Invalid e) {
      guard.badDescription(uri, e.getMessage());
      return null;
    }
    String expectedPath = "/dev/" + d.udn() + "/desc";
    if (!expectedPath.equalsIgnoreCase(uri.getRawPath())) {
      guard.badDescription(uri, "served at another path than its UDN's " + expectedPath);
      return null;
    }
    synchronized (checked) {
      checked.put(uri, d);
    }
    return xml;
  }

  /** Collects a body up to a limit and fails beyond it. */
  static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    static final class TooLong extends IOException {
      TooLong() {
        super("body too long");
      }
    }

    private final int max;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    LimitedBody(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        if (out.size() + b.remaining() > max) {
          subscription.cancel();
          result.completeExceptionally(new TooLong());
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        out.writeBytes(chunk);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }

  @Override
  public void stop() {
    executor.shutdownNow();
  }

  @Override
  public StreamClientConfiguration getConfiguration() {
    return configuration;
  }
}
