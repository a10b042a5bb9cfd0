package dev.outpost.cli;

import dev.outpost.hub.SensorHub;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.State;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outpost bench ingest}: hubs → connector → cloud on loopback, through the real outboxes,
 * TLS links and H2 store. Each hub is fed as fast as its outbox takes measurements (keeping its
 * backlog bounded, so the figure is a sustained rate, not a burst); the rate is what the cloud
 * stored per second during the measured window. Afterwards the bench waits until everything
 * produced is stored and checks that nothing is missing and nothing was stored twice.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "End-to-end ingest: hubs -> connector -> cloud -> stored (H2), on loopback.")
final class IngestBench implements Callable<Integer> {
  private static final int CHUNK = 1_000;
  private static final long MAX_BACKLOG = 50_000;
  private static final Duration WARM_UP = Duration.ofSeconds(3);
  private static final Duration DRAIN_LIMIT = Duration.ofMinutes(3);

  @Option(names = "--hubs", defaultValue = "4", description = "Hubs feeding the connector (default: ${DEFAULT-VALUE}).")
  int hubs;

  @Option(names = "--seconds", defaultValue = "20", description = "Length of the measured window (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--data", paramLabel = "DIR", description = "Folder for the data (default: a temporary folder, deleted afterwards).")
  Path data;

  @Override
  public Integer call() throws Exception {
    if (hubs < 1 || hubs > 200 || seconds < 1 || seconds > 3_600) {
      throw new UserError("--hubs must be 1 to 200 and --seconds 1 to 3600");
    }
    Path root = data != null ? data : Files.createTempDirectory("outpost-bench-");
    var site = LocalSite.start(root, 0, hubs, hubs);
    var running = new AtomicBoolean(true);
    var feeders = new ArrayList<Thread>();
    try {
      for (SensorHub hub : site.hubs()) {
        var feeder = new Thread(() -> feed(hub, running), "feed-" + hub.machine().name());
        feeder.setDaemon(true);
        feeder.start();
        feeders.add(feeder);
      }
      pause(WARM_UP);
      long stored0 = site.cloud().store().count();
      long t0 = System.nanoTime();
      for (int s = 1; s <= seconds; s++) {
        pause(Duration.ofNanos(t0 + s * 1_000_000_000L - System.nanoTime()));
        progress(site, s);
      }
      long stored1 = site.cloud().store().count();
      double elapsed = (System.nanoTime() - t0) / 1e9;
      running.set(false);
      for (Thread feeder : feeders) {
        feeder.join();
      }
      double rate = (stored1 - stored0) / elapsed;

      // The sensors go on measuring: wait until every outbox is empty and the cloud holds all.
      long storedAtStop = site.cloud().store().count();
      long drainStart = System.nanoTime();
      long deadline = drainStart + DRAIN_LIMIT.toNanos();
      while (!drained(site) && System.nanoTime() < deadline) {
        pause(Duration.ofMillis(200));
      }
      long produced = produced(site);
      long stored = site.cloud().store().count();
      double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
      System.out.printf("backlog after the window: %d measurements stored in %.1f s (%.0f/s, nothing new produced)%n",
          stored - storedAtStop, drainSeconds, (stored - storedAtStop) / drainSeconds);
      long duplicates = site.cloud().store().duplicates();
      System.out.printf("hubs=%d window=%.1f s produced=%d missing=%d%n", hubs, elapsed, produced, produced - stored);
      System.out.printf("ingest: %.0f measurements/s end-to-end, stored=%d, duplicates=%d%n", rate, stored, duplicates);
      return stored == produced ? 0 : 1;
    } finally {
      running.set(false);
      site.stop();
      if (data == null) {
        deleteTree(root);
      }
    }
  }

  /** Feeds one hub's outbox in chunks while its backlog stays bounded. */
  private static void feed(SensorHub hub, AtomicBoolean running) {
    long n = 0;
    while (running.get()) {
      if (hub.outbox().depth() > MAX_BACKLOG) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        continue;
      }
      var chunk = new ArrayList<Measurement>(CHUNK);
      long now = System.currentTimeMillis();
      for (int i = 0; i < CHUNK; i++, n++) {
        chunk.add(new Measurement("bench-" + (n % 16), now, State.OK, Map.of("value", (double) (n % 1000)),
            Map.of("value", "ms"), ""));
      }
      LocalSite.await(hub.record(chunk));
    }
  }

  private static boolean drained(LocalSite site) {
    return site.hubs().stream().allMatch(h -> h.outbox().depth() == 0) && site.connector().outbox().depth() == 0
        && site.cloud().store().count() >= produced(site);
  }

  private static void progress(LocalSite site, int second) {
    long hubQueued = site.hubs().stream().mapToLong(h -> h.outbox().depth()).sum();
    System.err.printf("t=%ds queued: hubs=%d connector=%d; stored=%d%n", second, hubQueued,
        site.connector().outbox().depth(), site.cloud().store().count());
  }

  /** Everything the site's machines recorded: the last sequence number of each. */
  private static long produced(LocalSite site) {
    return site.hubs().stream().mapToLong(h -> h.outbox().recorded()).sum() + site.connector().outbox().recorded();
  }

  private static void pause(Duration duration) {
    LockSupport.parkNanos(duration.toNanos());
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
