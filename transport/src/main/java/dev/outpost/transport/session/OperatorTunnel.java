package dev.outpost.transport.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.protocol.RelayInfo;
import dev.outpost.transport.ProxyConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The operator's side of {@code outpost session open}: logs in to the access server, asks for a
 * session to a device with a fresh key (the access server issues a short-lived certificate for it),
 * measures the latency to every relay of the pool, learns the chosen relay and the one-time token,
 * joins there and runs the end-to-end channel ({@link OperatorSession}). Then it listens on a local
 * port and tunnels every accepted connection as one stream to the target.
 */
public final class OperatorTunnel implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);

  private final OperatorSession session;
  private final ServerSocket listener;
  private final String relay;
  private final String id;
  private final Api api;
  private final Thread acceptor;
  private final AtomicInteger streams = new AtomicInteger();
  private final CountDownLatch ended;

  /** Where the operator logs in, and how. The password is only held until the login. */
  public record Login(URI cloud, X509TrustManager trust, String organisation, String user, char[] password) {
  }

  private OperatorTunnel(Api api, String id, String relay, OperatorSession session, CountDownLatch ended,
                         ServerSocket listener, String target, PrintStream out) {
    this.ended = ended;
    this.api = api;
    this.id = id;
    this.relay = relay;
    this.session = session;
    this.listener = listener;
    this.acceptor = new Thread(() -> accept(target, out), "tunnel-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Blocking. Opens a session to {@code target} behind {@code device} and listens on {@code listen}
   * (port 0: any free port). Fails with a {@link SessionException} that says why (login, right,
   * policy, relay) — the operator's clear message.
   *
   * @param forcedRelay a relay by name instead of the chosen one, or null
   * @param proxy       the operator's HTTP proxy towards the relays, or null
   */
  public static OperatorTunnel open(Login login, String device, String target, String forcedRelay, ProxyConfig proxy,
                                    InetSocketAddress listen, PrintStream out) throws IOException {
    var api = new Api(login);
    api.login(login);
    var keys = MachineKeys.generate();
    var offered = api.post("/api/v1/sessions", JSON.createObjectNode().put("device", device).put("target", target)
        .put("csr", SigningRequest.create(keys, "operator")), 201);
    String id = offered.path("id").asText();
    var chain = Pem.decodeCertificates(offered.path("certificate").asText(), "the access server's answer");
    var ca = Pem.decodeCertificates(offered.path("ca").asText(), "the access server's answer").get(0);
    var credentials = new SessionCredentials(keys.getPrivate(), chain, ca);
    String deviceUid = offered.path("device").path("uid").asText();

    var latencies = JSON.createObjectNode();
    for (JsonNode relayJson : offered.path("relays")) {
      var relay = relay(relayJson);
      try {
        latencies.put(relay.name(), RelayClient.latencyMicros(relay, proxy, credentials, Duration.ofSeconds(5)));
      } catch (IOException | RuntimeException e) {
        out.println("relay " + relay.name() + " is not reachable from here: " + e.getMessage());
      }
    }
    var body = JSON.createObjectNode();
    body.set("latencyMicros", latencies);
    body.put("relay", forcedRelay);
    var started = api.post("/api/v1/sessions/" + id + "/start", body, 200);
    var relay = relay(started.path("relay"));
    Socket paired = RelayClient.join(relay, proxy, credentials, started.path("token").asText(), Duration.ofSeconds(5),
        Duration.ofSeconds(30));
    var ended = new CountDownLatch(1);
    var listener = ServerSocketChannel.open().socket(); // its connections' channels read into direct buffers in place
    var session = OperatorSession.open(paired, credentials, deviceUid, SessionOptions.defaults(), new SessionListener() {
      @Override
      public void sessionClosed(String reason, long bytesSent, long bytesReceived) {
        out.println("session ended: " + reason);
        closeQuietly(listener); // new local connections are refused at once, not left waiting
        ended.countDown();
      }
    });
    IOException notBound = null;
    try {
      listener.bind(listen);
    } catch (IOException e) {
      notBound = e;
    }
    if (!session.isOpen()) { // it ended already (and may have closed the listener before it was bound)
      closeQuietly(listener);
      throw new SessionException("session ended: " + session.closeReason().orElse("closed"));
    }
    if (notBound != null) {
      session.close();
      throw new SessionException("cannot listen on " + listen + ": " + notBound.getMessage(), notBound);
    }
    return new OperatorTunnel(api, id, relay.name(), session, ended, listener, target, out);
  }

  /** The local port that tunnels to the target. */
  public int port() {
    return listener.getLocalPort();
  }

  /** The relay the session goes through. */
  public String relay() {
    return relay;
  }

  public OperatorSession session() {
    return session;
  }

  /** Blocks until the session ends (the device, the cloud, the relay or {@link #close()} ended it). */
  public void awaitEnd() throws InterruptedException {
    ended.await();
  }

  private void accept(String target, PrintStream out) {
    try {
      while (!listener.isClosed() && session.isOpen()) {
        Socket local = listener.accept();
        int number = streams.incrementAndGet();
        var thread = new Thread(() -> pipe(local, target, number, out), "tunnel-stream-" + number);
        thread.setDaemon(true);
        thread.start();
      }
    } catch (IOException e) {
      // the listener was closed
    } finally {
      closeQuietly(listener);
    }
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private void pipe(Socket local, String target, int number, PrintStream out) {
    try (local) {
      var stream = session.openStream(target);
      out.println("stream " + number + ": " + local.getRemoteSocketAddress() + " → " + target);
      stream.pipe(local);
      out.println("stream " + number + " closed: " + stream.bytesSent() + " bytes sent, " + stream.bytesReceived() + " received");
    } catch (IOException | RuntimeException e) {
      out.println("stream " + number + " refused: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    closeQuietly(listener);
    session.close();
    try {
      api.delete("/api/v1/sessions/" + id);
    } catch (RuntimeException | IOException ignored) {
      // the relay and the device end it too once the channel is gone
    }
  }

  private static RelayInfo relay(JsonNode json) {
    var endpoints = new ArrayList<String>();
    json.path("endpoints").forEach(e -> endpoints.add(e.asText()));
    var ports = new ArrayList<Integer>();
    json.path("ports").forEach(p -> ports.add(p.asInt()));
    return new RelayInfo(json.path("name").asText(), json.path("region").asText(), endpoints, ports, json.path("pin").asText());
  }

  /** The access server's REST API, as far as the operator needs it. */
  private static final class Api {
    private final HttpClient http;
    private final URI base;
    private String token;

    Api(Login login) {
      this.base = login.cloud();
      try {
        var context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {login.trust()}, new SecureRandom());
        this.http = HttpClient.newBuilder().sslContext(context).connectTimeout(HTTP_TIMEOUT).build();
      } catch (java.security.GeneralSecurityException e) {
        throw new SessionException("cannot set up TLS to the cloud: " + e.getMessage(), e);
      }
    }

    void login(Login login) throws IOException {
      var body = JSON.createObjectNode().put("organisation", login.organisation()).put("user", login.user())
          .put("password", new String(login.password()));
      java.util.Arrays.fill(login.password(), '\0');
      token = post("/api/v1/login", body, 200).path("token").asText();
    }

    JsonNode post(String path, ObjectNode body, int expected) throws IOException {
      var request = HttpRequest.newBuilder(base.resolve(path)).timeout(HTTP_TIMEOUT)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      return send(request, expected);
    }

    void delete(String path) throws IOException {
      send(HttpRequest.newBuilder(base.resolve(path)).timeout(HTTP_TIMEOUT).DELETE(), 204);
    }

    private JsonNode send(HttpRequest.Builder request, int expected) throws IOException {
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      HttpResponse<String> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
      if (response.statusCode() != expected) {
        String error = response.body();
        try {
          error = JSON.readTree(response.body()).path("error").asText(error);
        } catch (IOException ignored) {
          // not JSON: show it as it is
        }
        throw new SessionException(error + " (" + response.statusCode() + ")");
      }
      return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }
  }
}
