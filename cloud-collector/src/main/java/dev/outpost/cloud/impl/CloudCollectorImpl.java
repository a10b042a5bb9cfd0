package dev.outpost.cloud.impl;

import dev.outpost.cloud.CloudCollector;
import dev.outpost.cloud.CloudConfig;
import dev.outpost.cloud.MeasurementStore;
import dev.outpost.cloud.impl.access.AccessServer;
import dev.outpost.cloud.impl.access.RelayPool;
import dev.outpost.cloud.impl.files.FileEndpoint;
import dev.outpost.cloud.impl.files.FileRecords;
import dev.outpost.cloud.impl.files.FileStore;
import dev.outpost.cloud.impl.store.Database;
import dev.outpost.cloud.impl.store.JdbcMachineStore;
import dev.outpost.cloud.impl.store.JdbcMeasurementStore;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.cloud.impl.identity.OrganisationCas;
import dev.outpost.cloud.impl.identity.Registry;
import dev.outpost.cloud.impl.identity.ServerIdentity;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the cloud collector: database, stores, accounts, the HTTP APIs, dashboard, metrics and health. */
public final class CloudCollectorImpl implements CloudCollector {
  /** The HTTP date (IMF-fixdate) of the {@code Date} header on every answer. */
  private static final java.time.format.DateTimeFormatter HTTP_DATE =
      java.time.format.DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.ENGLISH);
  /** Last-seen times and newest measurements are written this often. */
  static final long FLUSH_MS = 1_000;
  private static final long SWEEP_MS = 60_000;
  private static final Logger LOG = LoggerFactory.getLogger(CloudCollectorImpl.class);

  private final Vertx vertx;
  private final Database db;
  private final JdbcMachineStore machines;
  private final JdbcMeasurementStore store;
  private final Metrics metrics;
  private final HttpServer server;
  private final long flushTimer;
  private final long sweepTimer;
  private final long renewalTimer;

  private CloudCollectorImpl(Vertx vertx, Database db, JdbcMachineStore machines, JdbcMeasurementStore store,
                             Accounts accounts, Metrics metrics, HttpServer server, Registry registry,
                             CloudConfig.Certificates certificates) {
    this.vertx = vertx;
    this.db = db;
    this.machines = machines;
    this.store = store;
    this.metrics = metrics;
    this.server = server;
    this.flushTimer = vertx.setPeriodic(FLUSH_MS, id -> machines.flush()
        .onFailure(e -> LOG.warn("cannot write last-seen times: {}", e.getMessage())));
    this.sweepTimer = vertx.setPeriodic(SWEEP_MS, id -> accounts.sweep());
    this.renewalTimer = vertx.setPeriodic(1_000, certificates.checkEvery().toMillis(), id -> registry.renewDue(certificates.renewBefore())
        .onSuccess(renewed -> renewed.forEach(i -> vertx.eventBus().publish(dev.outpost.cloud.Addresses.CERTIFICATE_RENEWED, i.uid())))
        .onFailure(e -> LOG.error("certificate renewal failed: {}", e.getMessage())));
  }

  public static Future<CloudCollector> start(Vertx vertx, CloudConfig config) {
    var tls = TlsFiles.inFolder(config.dataDir());
    var cas = new OrganisationCas(config.dataDir());
    return Database.open(vertx, config.dataDir().resolve("cloud")).compose(db ->
        FirstStart.run(db, config.dataDir(), config.bootstrap())
            .compose(v -> Registry.load(db, cas, config.certificates().validity()))
            .compose(registry -> vertx.executeBlocking(() -> {
              ServerIdentity.ensure(config, tls, registry, cas);
              return registry;
            }))
            .compose(registry -> JdbcMachineStore.load(db)
                .compose(machines -> JdbcMeasurementStore.load(vertx, db, machines)
                    .compose(store -> FileStore.open(vertx, config, new FileRecords(db))
                        .compose(files -> listen(vertx, config, tls, db, cas, registry, machines, store,
                            Accounts.create(vertx, db, config.limits()), files)))))
            .recover(e -> db.close().transform(v -> Future.failedFuture(e))));
  }

  private static Future<CloudCollector> listen(Vertx vertx, CloudConfig config, TlsFiles tls, Database db,
                                               OrganisationCas cas, Registry registry, JdbcMachineStore machines,
                                               JdbcMeasurementStore store, Accounts accounts, FileStore files) {
    var departures = new Departures();
    var paths = new Paths();
    var clocks = new Clocks(config.clock().maxSkew());
    var access = new AccessServer(vertx, db, cas, registry, new RelayPool());
    var devices = new DeviceApi(vertx, config, cas, registry, machines, store, departures, paths, clocks, access);
    var users = new UserApi(vertx, config, accounts, registry, machines, store, departures, paths, clocks);
    var sessions = new AccessApi(access, accounts);
    var filesApi = new FilesApi(files, registry, access, devices);
    var metrics = new Metrics(store, machines, devices, clocks, config.onlineWindow(),
        dev.outpost.crypto.Pem.readCertificates(tls.certificate()).get(0));

    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      ctx.response()
          // RFC 9110 asks for it; machines read the cloud's clock from it (outpost connector doctor)
          .putHeader("Date", HTTP_DATE.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)))
          .putHeader("Strict-Transport-Security", "max-age=31536000")
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Referrer-Policy", "no-referrer");
      ctx.next();
    });
    router.get(UserApi.PREFIX + "/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/yaml").sendFile("openapi/openapi.yaml"));
    devices.mount(router);
    users.mount(router);
    sessions.mount(router);
    filesApi.mount(router);
    new FileEndpoint(files).mount(router);
    router.get(Metrics.PATH).handler(metrics::handle);
    var live = HealthChecks.create(vertx).register("process", p -> p.complete(Status.OK()));
    var ready = HealthChecks.create(vertx).register("database", 2_000,
        p -> db.ping().onComplete(r -> p.complete(r.succeeded() ? Status.OK() : Status.KO())));
    router.get("/health/live").handler(HealthCheckHandler.createWithHealthChecks(live));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(ready));
    router.route("/*").handler(ctx -> {
      ctx.response().putHeader("Content-Security-Policy",
          "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
      ctx.response().putHeader("X-Frame-Options", "DENY");
      ctx.next();
    });
    router.route("/*").handler(StaticHandler.create("dashboard").setCachingEnabled(false));
    router.route().last().handler(ctx -> ctx.fail(404));
    router.route().failureHandler(ErrorAnswers::handle);

    var options = new HttpServerOptions()
        .setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(tls.key().toString()).setCertPath(tls.certificate().toString()))
        .setEnabledSecureTransportProtocols(new java.util.LinkedHashSet<>(TlsFiles.PROTOCOLS))
        // Machines present their certificates; browsers and API clients need none.
        .setClientAuth(ClientAuth.REQUEST)
        .setTrustOptions(TrustOptions.wrap(cas))
        .setHost(config.host())
        .setPort(config.port())
        .setCompressionSupported(true)
        .setMaxWebSocketFrameSize(1 << 20);
    return vertx.createHttpServer(options)
        .requestHandler(router)
        .listen()
        .map(server -> {
          LOG.info("cloud collector listening on https://{}:{}/", config.host(), server.actualPort());
          return (CloudCollector) new CloudCollectorImpl(vertx, db, machines, store, accounts, metrics, server, registry,
              config.certificates());
        });
  }

  @Override
  public int port() {
    return server.actualPort();
  }

  @Override
  public MeasurementStore store() {
    return store;
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(sweepTimer);
    vertx.cancelTimer(renewalTimer);
    return server.close()
        .eventually(machines::flush)
        .eventually(db::close)
        .eventually(() -> {
          metrics.close();
          return Future.succeededFuture();
        });
  }
}
