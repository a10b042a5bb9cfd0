package dev.outpost.cli;

import dev.outpost.cloud.CloudCollector;
import dev.outpost.cloud.CloudConfig;
import dev.outpost.connector.Connector;
import dev.outpost.connector.ConnectorConfig;
import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.HubConfig;
import dev.outpost.hub.SensorHub;
import dev.outpost.transport.DialerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * <p>Until enrolment exists, the site makes its own CA under {@code ROOT/ca}, gives the cloud and
 * the connector TLS server certificates, gives every machine the CA as {@code ca.pem}, and shares
 * one site key between cloud and connector.
 */
public final class LocalSite {
  public static final String LOOPBACK = "127.0.0.1";
  public static final String ORGANISATION = "demo";
  public static final String ADMIN = "admin";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final List<Vertx> vertxes;
  private final CloudCollector cloud;
  private final Connector connector;
  private final List<SensorHub> hubs;
  private final String password;

  private LocalSite(List<Vertx> vertxes, CloudCollector cloud, Connector connector, List<SensorHub> hubs, String password) {
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
    var vertxes = new ArrayList<Vertx>();
    try {
      Files.createDirectories(root);
      var ca = certificateAuthority(root.resolve("ca"));
      issueServerIdentity(ca, root.resolve("cloud"), "cloud");
      issueServerIdentity(ca, root.resolve("connector"), "connector");
      String siteKey = secret(root.resolve("site.key"));
      String password = secret(root.resolve("admin.password"));

      Vertx cloudVertx = newVertx(vertxes, 2);
      var cloud = await(CloudCollector.start(cloudVertx, new CloudConfig(root.resolve("cloud"), LOOPBACK, cloudPort,
          new CloudConfig.Bootstrap(ORGANISATION, ADMIN, password, siteKey), null, null)));

      Vertx connectorVertx = newVertx(vertxes, 2);
      var dialer = new DialerConfig(List.of(LOOPBACK + ":" + cloud.port()), null, null, null, null,
          Duration.ofMillis(200), Duration.ofSeconds(5));
      var connector = await(Connector.start(connectorVertx, new ConnectorConfig(root.resolve("connector"), "connector",
          LOOPBACK, 0, dialer, siteKey, null, null)));

      var hubs = new ArrayList<SensorHub>();
      for (int i = 1; i <= hubCount; i++) {
        Path dir = root.resolve("hub-" + i);
        trustOnly(ca, dir);
        Vertx hubVertx = newVertx(vertxes, 1);
        hubs.add(await(SensorHub.start(hubVertx, new HubConfig(dir, "hub-" + i,
            LOOPBACK + ":" + connector.lanPort(), null, null))));
      }
      return new LocalSite(vertxes, cloud, connector, hubs, password);
    } catch (RuntimeException | IOException e) {
      vertxes.forEach(LocalSite::close);
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
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

  /** The admin's password (made on first start, kept in the root folder, readable by its owner only). */
  public String password() {
    return password;
  }

  /** Stops hubs, then the connector, then the cloud, and closes their Vert.x instances. */
  public void stop() {
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

  private static CertificateAuthority certificateAuthority(Path dir) throws IOException {
    Path cert = dir.resolve("ca.pem");
    Path key = dir.resolve("ca.key");
    if (Files.exists(cert) && Files.exists(key)) {
      return CertificateAuthority.load(cert, key);
    }
    Files.createDirectories(dir);
    var ca = CertificateAuthority.create(ORGANISATION);
    ca.save(cert, key);
    return ca;
  }

  private static void issueServerIdentity(CertificateAuthority ca, Path dir, String role) {
    if (TlsFiles.inFolder(dir).hasIdentity()) {
      return;
    }
    var keys = MachineKeys.generate();
    var certificate = ca.issue(keys.getPublic(), role, role, List.of("localhost"), List.of(LOOPBACK), Duration.ofDays(365));
    TlsFiles.write(dir, keys, List.of(certificate, ca.certificate()), ca.certificate());
  }

  private static void trustOnly(CertificateAuthority ca, Path dir) throws IOException {
    Files.createDirectories(dir);
    Pem.writeCertificates(dir.resolve(TlsFiles.CA_FILE), ca.certificate());
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
