package dev.outpost.cli;

import dev.outpost.cloud.CloudCollector;
import dev.outpost.cloud.CloudConfig;
import dev.outpost.connector.Connector;
import dev.outpost.connector.ConnectorConfig;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.HubConfig;
import dev.outpost.hub.discovery.DiscoveryConfig;
import dev.outpost.hub.SensorHub;
import dev.outpost.transport.DialerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A whole site on this machine, on loopback only: a cloud, one connector and some hubs, each with
 * its own Vert.x instance and data folder under one root, as they would run on separate machines.
 * Used by {@code outpost demo}, {@code outpost bench ingest} and the end-to-end tests.
 *
 * <p>Every machine is enrolled through the real paths: the cloud makes its organisation's CA and its
 * own TLS certificate ({@code ROOT/cloud/ca.pem} is the CA to trust for the dashboard); the
 * connector enrols with a one-time token; hubs enrol through the connector.
 */
public final class LocalSite {
  public static final String LOOPBACK = "127.0.0.1";
  public static final String ORGANISATION = "demo";
  public static final String ADMIN = "admin";
  public static final String SITE = "demo";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path root;
  private final List<Vertx> vertxes;
  private final CloudCollector cloud;
  private final Connector connector;
  private final List<SensorHub> hubs;
  private final String password;
  private final List<dev.outpost.relay.RelayNode> relays = new ArrayList<>();

  private LocalSite(Path root, List<Vertx> vertxes, CloudCollector cloud, Connector connector, List<SensorHub> hubs,
                    String password) {
    this.root = root;
    this.vertxes = vertxes;
    this.cloud = cloud;
    this.connector = connector;
    this.hubs = hubs;
    this.password = password;
  }

  /**
   * Starts the site; blocks until every part is up.
   *
   * @param root      the folder that holds every machine's data folder
   * @param cloudPort the cloud's HTTPS port on 127.0.0.1 (0: any free port)
   * @param hubCount  how many hubs
   */
  public static LocalSite start(Path root, int cloudPort, int hubCount) {
    return start(root, cloudPort, hubCount, 1);
  }

  /**
   * Starts the site the way an admin sets one up: the cloud first; then, through its REST API, a
   * site and enrolment tokens; the connector enrols with its one-time token; the first
   * {@code hubsWithToken} hubs enrol with the site's hub token (approved at once), the others
   * without one, and the demo's admin approves them when they show up as pending.
   */
  public static LocalSite start(Path root, int cloudPort, int hubCount, int hubsWithToken) {
    return start(root, cloudPort, hubCount, hubsWithToken, null);
  }

  /** As above, with the cloud's certificate policy (validity, renewal); null for the defaults. */
  public static LocalSite start(Path root, int cloudPort, int hubCount, int hubsWithToken, CloudConfig.Certificates certificates) {
    return start(root, cloudPort, hubCount, hubsWithToken, certificates, false);
  }

  /**
   * As above; with {@code discovery} the hubs get no connector address and find the connector by
   * UPnP on the loopback interface (as the demo runs). The connector announces itself on loopback
   * in every case, never on a real interface.
   */
  public static LocalSite start(Path root, int cloudPort, int hubCount, int hubsWithToken, CloudConfig.Certificates certificates,
                                boolean discovery) {
    var vertxes = new ArrayList<Vertx>();
    try {
      Files.createDirectories(root);
      String password = secret(root.resolve("admin.password"));
      Path cloudDir = root.resolve("cloud");

      Vertx cloudVertx = newVertx(vertxes, 2);
      var cloud = await(CloudCollector.start(cloudVertx, new CloudConfig(cloudDir, LOOPBACK, cloudPort,
          new CloudConfig.Bootstrap(ORGANISATION, ADMIN, password), null, null, null, certificates)));
      var admin = AdminClient.login(URI.create("https://" + LOOPBACK + ":" + cloud.port()),
          TlsFiles.inFolder(cloudDir).trustManager(), ORGANISATION, ADMIN, password);
      int site = admin.site(SITE);

      Path connectorDir = root.resolve("connector");
      String connectorToken = TlsFiles.inFolder(connectorDir).hasIdentity() ? null : admin.enrolmentToken(site, "connector");
      Vertx connectorVertx = newVertx(vertxes, 2);
      var dialer = new DialerConfig(List.of(LOOPBACK + ":" + cloud.port()), null, null, null, null,
          Duration.ofMillis(200), Duration.ofSeconds(5));
      var connector = await(Connector.start(connectorVertx, new ConnectorConfig(connectorDir, "connector",
          LOOPBACK, 0, dialer, connectorToken, null, null, DiscoveryConfig.loopback())));

      String hubToken = null;
      var hubs = new ArrayList<SensorHub>();
      var waiting = new ArrayList<SensorHub>();
      for (int i = 1; i <= hubCount; i++) {
        Path dir = root.resolve("hub-" + i);
        boolean enrolled = TlsFiles.inFolder(dir).hasIdentity();
        String token = null;
        if (!enrolled && i <= hubsWithToken) {
          hubToken = hubToken != null ? hubToken : admin.enrolmentToken(site, "hub");
          token = hubToken;
        }
        Vertx hubVertx = newVertx(vertxes, 1);
        var hub = await(SensorHub.start(hubVertx, new HubConfig(dir, "hub-" + i,
            discovery ? null : LOOPBACK + ":" + connector.lanPort(), null, null, token, DiscoveryConfig.loopback())));
        hubs.add(hub);
        if (!enrolled && token == null) {
          waiting.add(hub);
        }
      }
      for (SensorHub hub : waiting) {
        approveWhenPending(admin, hub.machine().uid());
      }
      for (SensorHub hub : hubs) {
        awaitCondition(hub::enrolled, "hub " + hub.machine().name() + " enrolled");
      }
      return new LocalSite(root, vertxes, cloud, connector, hubs, password);
    } catch (RuntimeException | IOException e) {
      vertxes.forEach(LocalSite::close);
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
  }

  /** The demo's admin step: approves the hub as soon as it waits for approval. */
  private static void approveWhenPending(AdminClient admin, String uid) {
    awaitCondition(() -> admin.pending(uid), "hub " + uid + " asks to be enrolled");
    admin.approve(uid);
  }

  private static void awaitCondition(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + START_TIMEOUT.toSeconds() + " s waiting for: " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }

  public CloudCollector cloud() {
    return cloud;
  }

  public Connector connector() {
    return connector;
  }

  public List<SensorHub> hubs() {
    return hubs;
  }

  /** The dashboard's address. */
  public String dashboard() {
    return "https://" + LOOPBACK + ":" + cloud.port() + "/";
  }

  /** The demo's admin, logged in through the cloud's REST API. */
  AdminClient admin() {
    return AdminClient.login(java.net.URI.create(dashboard()), TlsFiles.inFolder(root.resolve("cloud")).trustManager(),
        ORGANISATION, ADMIN, password);
  }

  /** The admin's password (made on first start, kept in the root folder, readable by its owner only). */
  public String password() {
    return password;
  }

  /**
   * Starts a relay of the remote-session pool on loopback, enrolled with a relay token and
   * registered with the cloud's access server; blocks until it is registered.
   *
   * @param name the relay's name (its data folder is ROOT/relay-NAME)
   * @param endpoint where the ends dial it ({@code host:port}), or null for where it listens
   */
  public dev.outpost.relay.RelayNode startRelay(String name, String endpoint) {
    return startRelay(name, endpoint, java.util.function.UnaryOperator.identity());
  }

  /** As above, with the relay's settings changed by {@code tune} (e.g. its bandwidth limits). */
  public dev.outpost.relay.RelayNode startRelay(String name, String endpoint,
                                                java.util.function.UnaryOperator<dev.outpost.relay.RelayConfig> tune) {
    Path dir = root.resolve("relay-" + name);
    String token = TlsFiles.inFolder(dir).hasIdentity() ? null : admin().enrolmentToken(admin().site(SITE), "relay");
    var relayConfig = tune.apply(dev.outpost.relay.RelayConfig.of(dir, name).withAddress(LOOPBACK, 0));
    var dialer = new DialerConfig(List.of(LOOPBACK + ":" + cloud.port()), null, null, null, null,
        Duration.ofMillis(200), Duration.ofSeconds(5));
    var vertx = newVertx(vertxes, 1);
    var relay = await(dev.outpost.relay.RelayNode.start(vertx, new dev.outpost.relay.RelayNodeConfig(relayConfig, dialer, token,
        endpoint == null ? null : List.of(endpoint), null)));
    relays.add(relay);
    awaitCondition(relay::registered, "relay " + name + " registered with the access server");
    return relay;
  }

  /** Stops relays and hubs, then the connector, then the cloud, and closes their Vert.x instances. */
  public void stop() {
    for (var relay : relays) {
      await(relay.stop().recover(e -> Future.succeededFuture()));
    }
    for (var hub : hubs) {
      await(hub.stop().recover(e -> Future.succeededFuture()));
    }
    await(connector.stop().recover(e -> Future.succeededFuture()));
    await(cloud.stop().recover(e -> Future.succeededFuture()));
    vertxes.forEach(LocalSite::close);
  }

  private static void close(Vertx vertx) {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      System.err.println("outpost: a Vert.x instance did not stop within 10 s");
    }
  }

  private static Vertx newVertx(List<Vertx> all, int eventLoops) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(8));
    all.add(vertx);
    return vertx;
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out after " + START_TIMEOUT.toSeconds() + " s");
    }
  }

  /** A random secret kept in a file only its owner can read; made on first use. */
  private static String secret(Path file) throws IOException {
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    }
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
    return secret;
  }
}
