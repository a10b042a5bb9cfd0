package dev.outpost.cloud.impl;

import dev.outpost.cloud.MeasurementStore;
import dev.outpost.cloud.impl.store.MachineStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/** {@code GET /metrics}: the cloud's own figures and the JVM's, in Prometheus text format. */
final class Metrics implements AutoCloseable {
  static final String PATH = "/metrics";
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  Metrics(MeasurementStore store, MachineStore machines, DeviceApi devices, Clocks clocks, Duration onlineWindow,
          java.security.cert.X509Certificate tlsCertificate) {
    Gauge.builder("outpost.certificate.days.left", tlsCertificate,
            c -> dev.outpost.crypto.MachineCertificates.daysUntilExpiry(c, java.time.Instant.now()))
        .description("Days until the cloud's own TLS certificate expires").tag("role", "cloud").register(registry);
    FunctionCounter.builder("outpost.measurements.stored", store, MeasurementStore::count)
        .description("Measurements stored, each once").register(registry);
    FunctionCounter.builder("outpost.measurements.duplicates", store, MeasurementStore::duplicates)
        .description("Measurements received again and discarded").register(registry);
    FunctionCounter.builder("outpost.uploads.accepted", devices, DeviceApi::uploads)
        .description("Uploads stored and acknowledged").register(registry);
    FunctionCounter.builder("outpost.uploads.pushed.back", devices, DeviceApi::pushedBack)
        .description("Uploads answered 429 because the database was behind").register(registry);
    Gauge.builder("outpost.measurements.queued", store, MeasurementStore::queued)
        .description("Received measurements waiting for the database").register(registry);
    Gauge.builder("outpost.machines.online", machines, m -> m.onlineCount(onlineWindow.toMillis()))
        .description("Machines seen within the online window").register(registry);
    Gauge.builder("outpost.channels.open", devices, DeviceApi::openChannels)
        .description("Command channels of connectors open now").register(registry);
    Gauge.builder("outpost.machines.clock.skewed", clocks, Clocks::skewedCount)
        .description("Machines whose clock is off by more than clock.maxSkew; their measurement times are corrected")
        .register(registry);
    Gauge.builder("outpost.machines.outbox.queued", machines, m -> OutboxReports.total(m, OutboxReports.QUEUED))
        .description("Measurements waiting in the machines' outboxes, as their newest outbox reports say").register(registry);
    Gauge.builder("outpost.machines.outbox.dropped", machines, m -> OutboxReports.total(m, OutboxReports.DROPPED))
        .description("Measurements the machines dropped because their outbox was full, as their newest outbox reports say")
        .register(registry);
    Gauge.builder("outpost.machines.outbox.expired", machines, m -> OutboxReports.total(m, OutboxReports.EXPIRED))
        .description("Measurements the machines dropped because they were too old, as their newest outbox reports say")
        .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gc.bindTo(registry);
  }

  void handle(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape());
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
