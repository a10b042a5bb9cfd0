package dev.outpost.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Runs one role in the foreground until the process gets SIGINT or SIGTERM, then stops it cleanly.
 * Around the role: its rotating log file in {@code DATA/logs} and its {@code /metrics} endpoint,
 * both set by the {@link ServiceSettings} keys of the role's config file.
 */
final class RoleRunner {
  private RoleRunner() {
  }

  /**
   * @param role       connector, hub, relay or cloud
   * @param configFile the role's config file (read again here for its {@link ServiceSettings})
   * @param dataDir    the role's data folder
   * @param metrics    the role's metrics, or null when the role serves {@code /metrics} itself (the cloud)
   */
  static <T> int run(String role, Path configFile, Path dataDir, Function<Vertx, Future<T>> start,
                     Function<T, Future<Void>> stop, BiFunction<T, Path, RoleMetrics> metrics) {
    var service = ConfigFiles.service(configFile);
    LogFiles.start(dataDir, role, service.logs());
    Vertx vertx = Vertx.vertx();
    T running;
    RoleMetrics roleMetrics = null;
    try {
      running = LocalSite.await(start.apply(vertx));
      var address = service.metricsAddress(role);
      if (metrics != null && address.isPresent()) {
        roleMetrics = metrics.apply(running, dataDir);
        LocalSite.await(roleMetrics.serve(vertx, address.get()));
      }
    } catch (RuntimeException e) {
      vertx.close();
      LogFiles.stop();
      throw e;
    }
    var stopped = new CountDownLatch(1);
    var finalMetrics = roleMetrics;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        if (finalMetrics != null) {
          finalMetrics.close();
        }
        LocalSite.await(stop.apply(running));
      } finally {
        // Not chained on the role's future: its callbacks run on Vert.x, which close() shuts down.
        try {
          vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          System.err.println("outpost: " + role + " did not stop within 10 s");
        }
        LogFiles.stop();
        stopped.countDown();
      }
    }, role + "-shutdown"));
    System.out.println(role + " running; Ctrl-C stops it.");
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
