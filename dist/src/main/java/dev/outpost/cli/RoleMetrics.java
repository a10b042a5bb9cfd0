package dev.outpost.cli;

import dev.outpost.connector.Connector;
import dev.outpost.crypto.MachineCertificates;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.Outbox;
import dev.outpost.hub.SensorHub;
import dev.outpost.relay.RelayNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} of a connector, hub or relay process in Prometheus text format: the role's own
 * figures (outbox, links, sessions, days left on its certificate) and the JVM's. Plain HTTP on
 * loopback by default ({@link ServiceSettings#metrics}); a port already taken is logged and the
 * role runs on without it.
 */
final class RoleMetrics implements AutoCloseable {
  static final String PATH = "/metrics";
  private static final Logger LOG = LoggerFactory.getLogger(RoleMetrics.class);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private HttpServer server;

  private RoleMetrics(String role, Path dataDir) {
    registry.config().commonTags("role", role);
    Gauge.builder("outpost.certificate.days.left", dataDir, RoleMetrics::daysLeft)
        .description("Days until this machine's certificate expires, negative once expired (NaN: not enrolled yet)").register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gc.bindTo(registry);
  }

  static RoleMetrics connector(Connector connector, Path dataDir) {
    var metrics = new RoleMetrics("connector", dataDir);
    metrics.outbox(connector.outbox());
    metrics.gauge("outpost.hubs.linked", connector, Connector::linkedHubs, "Hubs linked to this connector now");
    metrics.gauge("outpost.channel.open", connector, c -> c.channelOpen() ? 1 : 0,
        "1 while the command channel to the cloud is open");
    FunctionCounter.builder("outpost.measurements.uploaded", connector, Connector::uploaded)
        .description("Measurements uploaded to the cloud and acknowledged").register(metrics.registry);
    return metrics;
  }

  static RoleMetrics hub(SensorHub hub, Path dataDir) {
    var metrics = new RoleMetrics("hub", dataDir);
    metrics.outbox(hub.outbox());
    metrics.gauge("outpost.connector.linked", hub, h -> h.linked() ? 1 : 0, "1 while the hub is linked to its connector");
    metrics.gauge("outpost.uploads.direct", hub, h -> h.direct() ? 1 : 0,
        "1 while the hub uploads straight to the cloud (its connector is unreachable)");
    metrics.gauge("outpost.enrolled", hub, h -> h.enrolled() ? 1 : 0, "1 once the hub is enrolled");
    return metrics;
  }

  static RoleMetrics relay(RelayNode relay, Path dataDir) {
    var metrics = new RoleMetrics("relay", dataDir);
    metrics.gauge("outpost.relay.sessions", relay, r -> r.server().load().sessions(), "Sessions paired now");
    metrics.gauge("outpost.relay.sessions.waiting", relay, r -> r.server().load().waiting(),
        "Sessions with one end joined, waiting for the other");
    metrics.gauge("outpost.relay.sessions.capacity", relay, r -> r.server().load().capacity(),
        "The most sessions the relay takes");
    metrics.gauge("outpost.relay.bytes.per.second", relay, r -> r.server().load().bytesPerSecond(),
        "Bytes relayed per second, both directions, all sessions");
    metrics.gauge("outpost.relay.registered", relay, r -> r.registered() ? 1 : 0,
        "1 while the relay is registered with the access server");
    return metrics;
  }

  private void outbox(Outbox outbox) {
    gauge("outpost.outbox.queued", outbox, Outbox::depth, "Measurements waiting in the outbox");
    gauge("outpost.outbox.oldest.age.seconds", outbox,
        o -> o.oldestTime() == 0 ? 0 : Math.max(0, (System.currentTimeMillis() - o.oldestTime()) / 1000.0),
        "Age of the oldest measurement waiting (0 when none waits)");
    FunctionCounter.builder("outpost.outbox.recorded", outbox, Outbox::recorded)
        .description("Measurements this machine recorded into its outbox").register(registry);
    FunctionCounter.builder("outpost.outbox.dropped", outbox, Outbox::dropped)
        .description("Measurements dropped unsent (outbox full or too old)").register(registry);
    FunctionCounter.builder("outpost.outbox.expired", outbox, Outbox::expired)
        .description("Of the dropped measurements, those dropped because they were too old").register(registry);
  }

  private <T> void gauge(String name, T source, ToDoubleFunction<T> value, String description) {
    Gauge.builder(name, source, value).description(description).register(registry);
  }

  private static double daysLeft(Path dataDir) {
    Path certificate = TlsFiles.inFolder(dataDir).certificate();
    if (!Files.isRegularFile(certificate)) {
      return Double.NaN;
    }
    try {
      return MachineCertificates.daysUntilExpiry(Pem.readCertificates(certificate).get(0), Instant.now());
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /** The text a scrape answers. */
  String scrape() {
    return registry.scrape();
  }

  /** Serves {@code /metrics} at the address; the port bound, or -1 when it could not listen (logged). */
  Future<Integer> serve(Vertx vertx, InetSocketAddress address) {
    if (!address.getAddress().isLoopbackAddress()) {
      LOG.warn("metrics: {} is not a loopback address; /metrics has no authentication, so let only your "
          + "monitoring reach it", address.getAddress().getHostAddress());
    }
    server = vertx.createHttpServer().requestHandler(request -> {
      if (PATH.equals(request.path()) && request.method() == io.vertx.core.http.HttpMethod.GET) {
        request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(scrape());
      } else {
        request.response().setStatusCode(404).end("only GET " + PATH + " is served here\n");
      }
    });
    return server.listen(address.getPort(), address.getAddress().getHostAddress())
        .map(HttpServer::actualPort)
        .onSuccess(port -> LOG.info("metrics: http://{}:{}{}", address.getAddress().getHostAddress(), port, PATH))
        .recover(e -> {
          LOG.warn("metrics: cannot listen on {}:{} ({}); the role runs without /metrics. Set \"metrics\" in its "
              + "config file to another host:port, or to \"off\"", address.getAddress().getHostAddress(),
              address.getPort(), e.getMessage());
          server = null;
          return Future.succeededFuture(-1);
        });
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    gc.close();
    registry.close();
  }
}
