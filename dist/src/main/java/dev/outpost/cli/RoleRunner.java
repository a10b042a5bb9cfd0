package dev.outpost.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/** Runs one role in the foreground until the process gets SIGINT or SIGTERM, then stops it cleanly. */
final class RoleRunner {
  private RoleRunner() {
  }

  static <T> int run(String role, Function<Vertx, Future<T>> start, Function<T, Future<Void>> stop) {
    Vertx vertx = Vertx.vertx();
    T running;
    try {
      running = LocalSite.await(start.apply(vertx));
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        LocalSite.await(stop.apply(running));
      } finally {
        // Not chained on the role's future: its callbacks run on Vert.x, which close() shuts down.
        try {
          vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          System.err.println("outpost: " + role + " did not stop within 10 s");
        }
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
