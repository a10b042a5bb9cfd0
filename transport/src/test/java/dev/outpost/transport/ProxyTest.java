package dev.outpost.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.TlsFiles;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The dialer through a real HTTP CONNECT proxy on loopback: Debian's tinyproxy, started per test. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyTest {
  private static final List<Path> TINYPROXY = List.of(Path.of("/usr/bin/tinyproxy"), Path.of("/usr/sbin/tinyproxy"));

  @TempDir
  static Path dir;
  static Vertx vertx;
  static TlsFiles client;
  static HttpServer server;
  static final AtomicInteger hits = new AtomicInteger();

  private Process proxy;
  private Path log;

  @BeforeAll
  static void startServer() {
    Assumptions.assumeTrue(binary() != null,
        "SKIPPED: tinyproxy is not installed (looked for " + TINYPROXY + "); install Debian's tinyproxy package "
            + "(.ci/run does) to run the proxy tests");
    vertx = Vertx.vertx();
    var site = new TestSite(dir);
    client = site.machine("connector", List.of(), List.of());
    server = TestSite.serve(vertx, site.machine("cloud", List.of("localhost"), List.of("127.0.0.1")), "cloud", hits);
  }

  @AfterAll
  static void stopServer() {
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @AfterEach
  void stopProxy() throws InterruptedException {
    if (proxy != null) {
      proxy.destroy();
      if (!proxy.waitFor(5, TimeUnit.SECONDS)) {
        proxy.destroyForcibly();
      }
    }
  }

  @Test
  void sendGoesThroughAProxyWithoutAuthentication() throws Exception {
    int port = startProxy(null);
    var config = config(ProxyConfig.of("127.0.0.1", port));
    try (var dialer = Dialer.create(config, client)) {
      int before = hits.get();
      var response = dialer.send("GET", "/via-proxy", null, null, null);

      assertEquals(200, response.status());
      assertEquals(before + 1, hits.get());
      assertProxyConnected();
    }
  }

  @Test
  void sendGoesThroughAProxyWithBasicAuthentication() throws Exception {
    int port = startProxy("outpost s3cret");
    var config = config(new ProxyConfig("127.0.0.1", port, "outpost", "s3cret"));
    try (var dialer = Dialer.create(config, client)) {
      var response = dialer.send("POST", "/device/v1/batches", "application/cbor", new byte[] {1, 2}, null);

      assertEquals(200, response.status());
      assertTrue(response.bodyText().startsWith("POST /device/v1/batches 2 "), response.bodyText());
      assertTrue(response.bodyText().contains("CN=connector"), response.bodyText());
      assertProxyConnected();
    }
  }

  @Test
  void aChannelOpensThroughAProxyWithBasicAuthentication() throws Exception {
    int port = startProxy("outpost s3cret");
    var received = new CopyOnWriteArrayList<String>();
    try (var dialer = Dialer.create(config(new ProxyConfig("127.0.0.1", port, "outpost", "s3cret")), client)) {
      var channel = dialer.openChannel("/ws", null, new ChannelListener() {
        @Override
        public void onText(Channel channel, String text) {
          received.add(text);
        }

        @Override
        public void onClosed(Channel channel, int code, String reason) {}

        @Override
        public void onFailure(Channel channel, Throwable error) {}
      }).get(10, TimeUnit.SECONDS);
      channel.send("through the proxy");
      await().atMost(Duration.ofSeconds(5)).until(() -> received.contains("echo:through the proxy"));
      assertProxyConnected();
    }
  }

  @Test
  void aWrongProxyPasswordFailsAtOnceWithAClearError() throws Exception {
    int port = startProxy("outpost s3cret");
    var config = config(new ProxyConfig("127.0.0.1", port, "outpost", "wrong"));
    try (var dialer = Dialer.create(config, client)) {
      var e = assertThrows(DialException.class, () -> dialer.send("GET", "/", null, null, null));

      assertTrue(e.getMessage().contains("refused the credentials of user 'outpost'")
          && e.getMessage().contains("Proxy Authentication Required"), e.getMessage());
      assertEquals(1, e.attempts().size(), "a refused password is not retried on other routes: " + e.getMessage());
      assertTrue(!e.getMessage().contains("wrong"), "the password is not in the message");
    }
  }

  @Test
  void missingProxyCredentialsAreNamedAsSuch() throws Exception {
    int port = startProxy("outpost s3cret");
    try (var dialer = Dialer.create(config(ProxyConfig.of("127.0.0.1", port)), client)) {
      var e = assertThrows(ExecutionException.class, () -> dialer.openChannel("/ws", null, new ChannelListener() {
        @Override
        public void onText(Channel channel, String text) {}

        @Override
        public void onClosed(Channel channel, int code, String reason) {}

        @Override
        public void onFailure(Channel channel, Throwable error) {}
      }).get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof DialException && e.getCause().getMessage().contains("407")
          && e.getCause().getMessage().contains("no proxy.user is configured"), e.getCause().getMessage());
    }
  }

  private static DialerConfig config(ProxyConfig proxy) {
    return new DialerConfig(List.of("localhost"), List.of(server.actualPort()), proxy, Duration.ofSeconds(2),
        Duration.ofSeconds(10), null, null);
  }

  private void assertProxyConnected() throws IOException {
    var target = "localhost:" + server.actualPort();
    var text = Files.readString(log);
    assertTrue(text.contains("CONNECT " + target + " HTTP/1.1"), "tinyproxy saw no CONNECT to " + target + ":\n" + text);
    assertTrue(text.contains("Established connection to host \"localhost\""), "tinyproxy did not connect:\n" + text);
  }

  /** Starts tinyproxy on a free loopback port, with {@code BasicAuth USER PASSWORD} if given. */
  private int startProxy(String basicAuth) throws IOException {
    int port = TestSite.closedPort();
    var folder = Files.createTempDirectory(dir, "tinyproxy");
    log = folder.resolve("tinyproxy.log");
    var conf = new ArrayList<>(List.of(
        "Port " + port,
        "Listen 127.0.0.1",
        "Timeout 30",
        "Allow 127.0.0.1",
        "MaxClients 20",
        "LogLevel Info",
        "LogFile \"" + log + "\""));
    if (basicAuth != null) {
      conf.add("BasicAuth " + basicAuth);
    }
    var file = Files.write(folder.resolve("tinyproxy.conf"), conf);
    proxy = new ProcessBuilder(binary().toString(), "-d", "-c", file.toString())
        .redirectErrorStream(true)
        .redirectOutput(folder.resolve("stdout.txt").toFile())
        .start();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> accepts(port));
    return port;
  }

  private boolean accepts(int port) {
    if (!proxy.isAlive()) {
      throw new IllegalStateException("tinyproxy exited with " + proxy.exitValue());
    }
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Path binary() {
    return TINYPROXY.stream().filter(Files::isExecutable).findFirst().orElse(null);
  }
}
