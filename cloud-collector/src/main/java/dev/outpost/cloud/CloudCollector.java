package dev.outpost.cloud;

import dev.outpost.cloud.impl.CloudCollectorImpl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The cloud collector: device ingest and command channel under {@code /device/v1}, the user API
 * under {@code /api/v1}, the dashboard at {@code /}, {@code /metrics} and {@code /health/*}, all
 * over HTTPS with the TLS files of the data folder, and the measurement store behind them.
 */
public interface CloudCollector {

  /**
   * Opens (or creates and migrates) the database in {@code config.dataDir()}, creates the bootstrap
   * organisation on first start, and listens. Fails if the data folder has no TLS identity.
   */
  static Future<CloudCollector> start(Vertx vertx, CloudConfig config) {
    return CloudCollectorImpl.start(vertx, config);
  }

  /** The port it listens on (the real one when the configured port was 0). */
  int port();

  /** The measurement store, for counting what was stored. */
  MeasurementStore store();

  /** Stops listening, writes what is cached and closes the database. */
  Future<Void> stop();
}
