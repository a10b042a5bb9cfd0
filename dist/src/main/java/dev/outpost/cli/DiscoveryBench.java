package dev.outpost.cli;

import dev.outpost.hub.HubConfig;
import dev.outpost.hub.SensorHub;
import dev.outpost.hub.discovery.DiscoveryConfig;
import dev.outpost.hub.discovery.DiscoveryException;
import dev.outpost.hub.discovery.Found;
import dev.outpost.hub.discovery.UpnpNode;
import dev.outpost.protocol.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outpost bench discovery}: a cloud and a connector on loopback as {@link LocalSite} starts
 * them, then N hub identities with no connector address (discovery on {@code lo} only, the site's hub
 * token, so they are approved at once). The bench hubs share one Vert.x instance (or, with
 * {@code --vertx-per-hub}, get one each). The figure is taken from the moment the last hub has started:
 * when every hub had found the connector (its link to the connector was open at least once) and when
 * every hub was enrolled (it holds its certificate). On stderr: progress, the spread per hub, when each
 * hub linked again with its certificate, what the process used (open files, threads, memory), the UPnP
 * nodes' counters and how many log lines of which logger the run produced.
 *
 * <p>Before it starts anything the bench compares what N hubs need with the process's limits (open files,
 * threads) and says which limit to raise; when a run falls short it names the limit the log shows was hit.
 * ({@code -Doutpost.bench.noLimitCheck=true} skips the check, to see what really happens.)
 *
 * <p>In one JVM the connector and the hubs share this process's UPnP node ({@link UpnpNode#shared}), so
 * a hub learns about the connector from that node directly, not from SSDP datagrams. With
 * {@code --separate-jvm} the hubs run in a second JVM with a node of their own, and every hub finds the
 * connector through M-SEARCH / NOTIFY on {@code lo} and the description over HTTP.
 *
 * <p>Network rule: only {@link DiscoveryConfig#loopback()} is used, never a real interface.
 */
@Command(name = "discovery", mixinStandardHelpOptions = true,
    description = "Hubs with no connector address find the connector by UPnP on loopback and enrol.")
final class DiscoveryBench implements Callable<Integer> {
  static final int MAX_HUBS = 2_000;
  /**
   * Open files of one bench hub (outbox and its log, the LAN link and, in one JVM, the connector's end of
   * it; twice while it enrols), with margin: 200 hubs peaked at 663 open files in all, cloud and connector
   * included; with a Vert.x instance each, at about 7.5 per hub.
   */
  static final int FILES_PER_HUB = 4;
  static final int FILES_PER_HUB_OWN_VERTX = 10;
  /** Open files of the cloud, the connector, the UPnP node and the JVM, with margin. */
  static final int FILES_BASE = 200;
  /** Threads of one bench hub (outbox, sensor runner timer and workers; 200 hubs peaked at 1316 in all), with margin. */
  static final int THREADS_PER_HUB = 8;
  static final int THREADS_PER_HUB_OWN_VERTX = 14;
  /** The file in a hub's data folder that names the connector it linked to with its certificate. */
  private static final String REMEMBERED = "connector.json";
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  @Option(names = "--hubs", defaultValue = "200", description = "Hub identities to start (default: ${DEFAULT-VALUE}).")
  int hubs;

  @Option(names = "--limit", defaultValue = "60", paramLabel = "SECONDS",
      description = "How long after the last hub started every hub must be found and enrolled (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--separate-jvm",
      description = "Run the hubs in a second JVM, so that they find the connector by SSDP datagrams on lo"
          + " (in one JVM they share the connector's UPnP node).")
  boolean separateJvm;

  @Option(names = "--vertx-per-hub",
      description = "Give every hub a Vert.x instance of its own, as on separate machines (default: one shared by all"
          + " bench hubs, whose event bus then carries every hub's configuration to all of them).")
  boolean vertxPerHub;

  @Option(names = "--verbose", description = "Show every log line (default: WARN and ERROR only; INFO lines are counted).")
  boolean verbose;

  @Option(names = "--data", paramLabel = "DIR", description = "Folder for the data (default: a temporary folder, deleted afterwards).")
  Path data;

  @Override
  public Integer call() throws Exception {
    if (hubs < 1 || hubs > MAX_HUBS || limit < 1 || limit > 3_600) {
      throw new UserError("--hubs must be 1 to " + MAX_HUBS + " and --limit 1 to 3600");
    }
    var log = LogTap.install(verbose);
    PrintStream err = log.console();
    try {
      String shortfall = Resources.shortfall(separateJvm ? 0 : hubs, vertxPerHub);
      if (shortfall != null) {
        System.out.printf("discovery: %d hubs not started: %s%n", hubs, shortfall);
        return 1;
      }
      Path root = data != null ? data : Files.createTempDirectory("outpost-bench-discovery-");
      LocalSite site = null;
      try {
        err.println("discovery: starting a cloud and a connector on 127.0.0.1 (UPnP on lo only) in " + root);
        site = LocalSite.start(root, 0, 0, 0, null, true);
        String announced = connectorAnnounced(site);
        if (announced != null) {
          err.println("discovery: " + announced);
          System.out.printf("discovery: %d hubs not started: %s%n", hubs, announced);
          return 1;
        }
        var admin = site.admin();
        String token = admin.enrolmentToken(admin.site(LocalSite.SITE), "hub");
        if (separateJvm) {
          int code = inSeparateJvm(root, token, site, err);
          printStats("the connector's", err);
          if (log.trouble() != null) {
            err.println("discovery: the bench process (cloud, connector): " + log.trouble());
          }
          return code;
        }
        var outcome = Fleet.run(root, token, hubs, Duration.ofSeconds(limit), vertxPerHub, site.connector()::linkedHubs, err)
            .because(log.trouble());
        System.out.println(outcome.line());
        return outcome.ok() ? 0 : 1;
      } finally {
        if (site != null) {
          long t = System.nanoTime();
          try {
            site.stop();
            err.printf("discovery: cloud and connector stopped in %.1f s%n", (System.nanoTime() - t) / 1e9);
          } catch (RuntimeException e) {
            err.println("discovery: the cloud and the connector did not stop cleanly: " + e.getMessage());
          }
        }
        if (data == null) {
          try {
            deleteTree(root);
          } catch (IOException | java.io.UncheckedIOException e) {
            err.println("discovery: could not delete " + root + ": " + e.getMessage());
          }
        }
      }
    } finally {
      log.uninstall();
      log.summary(separateJvm ? "the bench JVM (cloud, connector)" : "this JVM", err);
    }
  }

  /** Null if the connector is announced on the shared UPnP node (on lo); else what is wrong. */
  private static String connectorAnnounced(LocalSite site) {
    try (var node = UpnpNode.shared(DiscoveryConfig.loopback())) {
      String uid = site.connector().machine().uid();
      List<Found> connectors = node.known(Role.CONNECTOR);
      if (connectors.stream().noneMatch(f -> f.uid().equals(uid))) {
        return "the connector is not announced on UPnP (see the log above: \"UPnP discovery is off\")";
      }
      return null;
    } catch (DiscoveryException e) {
      return "UPnP discovery on lo does not work here: " + e.getMessage();
    }
  }

  /** The hubs in a second JVM (same jar); its last stdout line is the figure. */
  private int inSeparateJvm(Path root, String token, LocalSite site, PrintStream err) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), HubProcess.class.getName(),
        root.toString(), Integer.toString(hubs), Integer.toString(limit), Boolean.toString(verbose),
        Boolean.toString(vertxPerHub)));
    err.println("discovery: hubs run in a second JVM with a UPnP node of their own (SSDP on lo)");
    var process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      try (var in = process.getOutputStream()) {
        in.write((token + "\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
        // the hub JVM stops when this stream closes (below, or when this process dies)
        String last = null;
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        var connectorProgress = new Thread(() -> {
          int before = -1;
          while (process.isAlive()) {
            int now = site.connector().linkedHubs();
            if (now != before) {
              err.printf("discovery: connector: %d hubs linked with their certificates%n", now);
              before = now;
            }
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
          }
        }, "bench-connector-progress");
        connectorProgress.setDaemon(true);
        connectorProgress.start();
        for (String line; (line = reader.readLine()) != null; ) {
          last = line;
          System.out.println(line);
        }
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
          err.println("discovery: the hub JVM did not end; killing it");
          process.destroyForcibly();
          return 1;
        }
        if (last == null) {
          System.out.printf("discovery: %d hubs not measured: the hub JVM ended with %d and no result%n", hubs, process.exitValue());
          return 1;
        }
        return process.exitValue();
      }
    } finally {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    }
  }

  /** The counters of this process's shared UPnP node (a handle is taken for the moment). */
  private static void printStats(String whose, PrintStream err) {
    try (var node = UpnpNode.shared(DiscoveryConfig.loopback())) {
      printStats(whose, node.stats(), err);
    } catch (DiscoveryException e) {
      err.println("discovery: no UPnP node counters: " + e.getMessage());
    }
  }

  static void printStats(String whose, dev.outpost.hub.discovery.DiscoveryStats s, PrintStream err) {
    err.printf("discovery: %s UPnP node: %d SSDP datagrams accepted, %d flooded (over the rate limit), %d M-SEARCH"
        + " unanswered (too many pending), %d suppressed, %d malformed/truncated/oversized/spoofed/foreign, %d bad"
        + " descriptions%n", whose, s.accepted(), s.flooded(), s.searchesDropped(), s.suppressed(),
        s.malformed() + s.truncated() + s.oversized() + s.spoofed() + s.foreignSource(), s.badDescriptions());
  }

  /** The hub JVM of {@code --separate-jvm}: args ROOT HUBS LIMIT VERBOSE VERTX-PER-HUB; the token on the first stdin line. */
  public static final class HubProcess {
    public static void main(String[] args) throws Exception {
      Path root = Path.of(args[0]);
      int hubs = Integer.parseInt(args[1]);
      Duration limit = Duration.ofSeconds(Integer.parseInt(args[2]));
      var log = LogTap.install(Boolean.parseBoolean(args[3]));
      PrintStream err = log.console();
      String token = readLine(System.in);
      // Stop when the bench goes away (its end of stdin closes).
      var watchdog = new Thread(() -> {
        try {
          while (System.in.read() >= 0) {
            // nothing else comes
          }
        } catch (IOException ignored) {
          // gone
        }
        if (!FINISHED.get()) {
          err.println("discovery (hub JVM): the bench is gone; exiting");
          Runtime.getRuntime().halt(3);
        }
      }, "bench-stdin-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
      int code;
      String shortfall = Resources.shortfall(hubs, Boolean.parseBoolean(args[4]));
      if (shortfall != null) {
        System.out.printf("discovery: %d hubs not started in the hub JVM: %s%n", hubs, shortfall);
        code = 1;
      } else {
        var outcome = Fleet.run(root, token, hubs, limit, Boolean.parseBoolean(args[4]), null, err).because(log.trouble());
        System.out.println(outcome.line());
        code = outcome.ok() ? 0 : 1;
      }
      FINISHED.set(true);
      log.uninstall();
      log.summary("the hub JVM", err);
      System.out.flush();
      System.exit(code);
    }

    private static final java.util.concurrent.atomic.AtomicBoolean FINISHED = new java.util.concurrent.atomic.AtomicBoolean();

    private static String readLine(InputStream in) throws IOException {
      var line = new StringBuilder();
      for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
        line.append((char) c);
      }
      return line.toString().strip();
    }
  }

  /** What a run measured. */
  record Outcome(int hubs, int started, int found, int enrolled, double foundSeconds, double enrolledSeconds,
                 double limitSeconds, String failure) {
    /** The same, naming the limit of the process that was hit (from the log), if it fell short. */
    Outcome because(String trouble) {
      if (ok() || trouble == null) {
        return this;
      }
      return new Outcome(hubs, started, found, enrolled, foundSeconds, enrolledSeconds, limitSeconds,
          failure == null ? trouble : failure + "; " + trouble);
    }

    boolean ok() {
      return failure == null && started == hubs && found == hubs && enrolled == hubs;
    }

    /** The bench's last stdout line. */
    String line() {
      if (ok()) {
        return String.format(Locale.ROOT, "discovery: %d hubs found in %.1f s, enrolled in %.1f s", hubs, foundSeconds,
            enrolledSeconds);
      }
      if (failure != null && started < hubs) {
        return String.format(Locale.ROOT, "discovery: %d hubs not measured (%d started, %d found, %d enrolled): %s",
            hubs, started, found, enrolled, failure);
      }
      return String.format(Locale.ROOT, "discovery: only %d of %d hubs found and %d of %d enrolled within %.0f s%s",
          found, hubs, enrolled, hubs, limitSeconds, failure == null ? "" : ": " + failure);
    }
  }

  /** The bench hubs of this process: started together, watched, stopped. */
  static final class Fleet {
    private Fleet() {
    }

    static Outcome run(Path root, String token, int n, Duration limit, boolean vertxPerHub, IntSupplier connectorLinked,
                       PrintStream err) {
      // A handle of the node the hubs share (this process's): the bench's own watch tells when the node
      // knew the connector, and the node's counters tell what SSDP traffic it dropped.
      UpnpNode node;
      try {
        node = UpnpNode.shared(DiscoveryConfig.loopback());
      } catch (DiscoveryException e) {
        return new Outcome(n, 0, 0, 0, 0, 0, limit.toSeconds(), "UPnP discovery on lo does not work here: " + e.getMessage());
      }
      long nodeOpened = System.nanoTime();
      var connectorKnown = new java.util.concurrent.atomic.AtomicLong();
      var watch = node.watch(Role.CONNECTOR, f -> connectorKnown.compareAndSet(0, System.nanoTime()));
      try {
        return run(root, token, n, limit, vertxPerHub, connectorLinked, err, nodeOpened, connectorKnown);
      } finally {
        watch.close();
        printStats("the hubs'", node.stats(), err);
        node.close();
      }
    }

    private static Outcome run(Path root, String token, int n, Duration limit, boolean vertxPerHub,
                               IntSupplier connectorLinked, PrintStream err, long nodeOpened,
                               java.util.concurrent.atomic.AtomicLong connectorKnown) {
      var vertxes = new java.util.concurrent.CopyOnWriteArrayList<Vertx>();
      Vertx shared = vertxPerHub ? null : Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(16));
      if (shared != null) {
        vertxes.add(shared);
      }
      var hubs = new AtomicReferenceArray<SensorHub>(n);
      var started = new AtomicLongArray(n);
      var enrolledBefore = new boolean[n];   // hubs of an earlier run (--data)
      var found = new long[n];
      var enrolled = new long[n];
      var linked = new long[n];
      var failure = new AtomicReference<Throwable>();
      var startedCount = new AtomicInteger();
      var failedCount = new AtomicInteger();
      long t0 = System.nanoTime();
      Outcome outcome;
      try {
        err.printf("discovery: starting %d hubs (no connector address, UPnP on lo, site token) on %s%n", n,
            vertxPerHub ? "a Vert.x instance each" : "one Vert.x instance");
        for (int i = 0; i < n; i++) {
          String name = "bench-hub-" + (i + 1);
          int index = i;
          Vertx vertx = shared;
          if (vertx == null) {
            try {
              vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2).setInternalBlockingPoolSize(2));
            } catch (RuntimeException | Error e) {
              failure.compareAndSet(null, e);
              failedCount.addAndGet(n - i);
              break;
            }
            vertxes.add(vertx);
          }
          enrolledBefore[i] = dev.outpost.crypto.TlsFiles.inFolder(root.resolve(name)).hasIdentity();
          SensorHub.start(vertx, new HubConfig(root.resolve(name), name, null, null, null, token, DiscoveryConfig.loopback()))
              .onSuccess(hub -> {
                hubs.set(index, hub);
                started.set(index, System.nanoTime());
                startedCount.incrementAndGet();
              })
              .onFailure(e -> {
                failure.compareAndSet(null, e);
                failedCount.incrementAndGet();
              });
        }
        long startDeadline = t0 + TimeUnit.MINUTES.toNanos(2) + limit.toNanos();
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        // Watch while the hubs start: the first ones find the connector before the last one is up.
        while (startedCount.get() + failedCount.get() < n && System.nanoTime() < startDeadline) {
          observe(root, hubs, enrolledBefore, found, enrolled, linked);
          Resources.sample();
          if (System.nanoTime() >= nextReport) {
            err.printf("discovery: starting: %d of %d hubs up (%s)%n", startedCount.get(), n, Resources.now());
            nextReport += TimeUnit.SECONDS.toNanos(1);
          }
          LockSupport.parkNanos(POLL_NANOS);
        }
        if (failure.get() != null || startedCount.get() < n) {
          String why = failure.get() != null ? Resources.explain(failure.get())
              : "timed out: " + startedCount.get() + " of " + n + " started";
          err.printf("discovery: %d hubs failed to start: %s (%s)%n", failedCount.get(), why, Resources.now());
          observe(root, hubs, enrolledBefore, found, enrolled, linked);
          return new Outcome(n, startedCount.get(), count(found), count(enrolled), 0, 0, limit.toSeconds(),
              failedCount.get() + " failed to start: " + why);
        }
        long last = 0;
        for (int i = 0; i < n; i++) {
          last = Math.max(last, started.get(i));
        }
        err.printf("discovery: all %d hubs started in %.1f s (%s)%n", n, (last - t0) / 1e9, Resources.now());
        int before = 0;
        for (boolean b : enrolledBefore) {
          before += b ? 1 : 0;
        }
        if (before > 0) {
          err.printf("discovery: %d of the hubs were enrolled in an earlier run (--data): they count as enrolled at once"
              + " and as found when they link%n", before);
        }
        long deadline = last + limit.toNanos();
        nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        // Then until every hub is found, enrolled, and linked again with its certificate (or the limit).
        while (System.nanoTime() < deadline && count(linked) < n) {
          observe(root, hubs, enrolledBefore, found, enrolled, linked);
          Resources.sample();
          if (System.nanoTime() >= nextReport) {
            err.printf("discovery: t=%.1fs found=%d enrolled=%d linked=%d of %d%s (%s)%n", (System.nanoTime() - last) / 1e9,
                count(found), count(enrolled), count(linked), n,
                connectorLinked == null ? "" : "; connector: " + connectorLinked.getAsInt() + " linked", Resources.now());
            nextReport += TimeUnit.SECONDS.toNanos(1);
          }
          LockSupport.parkNanos(POLL_NANOS);
        }
        observe(root, hubs, enrolledBefore, found, enrolled, linked);
        if (connectorKnown.get() != 0) {
          err.printf("discovery: the hubs' UPnP node knew the connector %.1f s after it started (%s)%n",
              (connectorKnown.get() - nodeOpened) / 1e9, connectorKnown.get() - last <= 0 ? "before the last hub was up"
                  : String.format(Locale.ROOT, "%.1f s after the last hub was up", (connectorKnown.get() - last) / 1e9));
        } else {
          err.println("discovery: the hubs' UPnP node never learnt of the connector");
        }
        double foundSeconds = after(found, last);
        double enrolledSeconds = after(enrolled, last);
        long[] up = new long[n];
        for (int i = 0; i < n; i++) {
          up[i] = started.get(i);
        }
        err.printf("discovery: after each hub was up: found %s; enrolled %s; linked with its certificate %s%n",
            spread(found, up), spread(enrolled, up), spread(linked, up));
        if (count(linked) == n) {
          // the connector counts a hub once its hello arrived, a moment after the hub's link opened
          long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
          while (connectorLinked != null && connectorLinked.getAsInt() < n && System.nanoTime() < settle) {
            LockSupport.parkNanos(POLL_NANOS);
          }
          err.printf("discovery: all %d hubs linked with their certificates %.1f s after the last start%s%n", n,
              after(linked, last), connectorLinked == null ? "" : "; the connector counts " + connectorLinked.getAsInt());
        } else {
          err.printf("discovery: only %d of %d hubs linked with their certificates within %d s%n", count(linked), n,
              limit.toSeconds());
        }
        err.println("discovery: the hubs' process used " + Resources.peaks());
        outcome = new Outcome(n, n, count(found), count(enrolled), foundSeconds, enrolledSeconds, limit.toSeconds(), null);
      } finally {
        stop(vertxes, hubs, err);
      }
      return outcome;
    }

    /**
     * One look at every hub that is up. Found: its link to the connector was open, or it became enrolled
     * (which needs that link, however short). Linked: enrolled, its link open, and the connector remembered
     * in connector.json, which the hub writes once it linked with its certificate.
     */
    private static void observe(Path root, AtomicReferenceArray<SensorHub> hubs, boolean[] enrolledBefore, long[] found,
                                long[] enrolled, long[] linked) {
      for (int i = 0; i < hubs.length(); i++) {
        SensorHub hub = hubs.get(i);
        if (hub == null || linked[i] != 0) {
          continue;
        }
        long now = System.nanoTime();
        boolean isLinked = hub.linked();
        boolean isEnrolled = hub.enrolled();
        if (found[i] == 0 && (isLinked || isEnrolled && !enrolledBefore[i])) {
          found[i] = now;
        }
        if (enrolled[i] == 0 && isEnrolled) {
          enrolled[i] = now;
        }
        if (enrolled[i] != 0 && isLinked && Files.exists(root.resolve(hub.machine().name()).resolve(REMEMBERED))) {
          linked[i] = now;
        }
      }
    }

    private static int count(long[] times) {
      int c = 0;
      for (long t : times) {
        c += t != 0 ? 1 : 0;
      }
      return c;
    }

    /** Seconds from {@code from} until the last of the times (0 if all were before it). */
    private static double after(long[] times, long from) {
      long latest = from;
      for (long t : times) {
        latest = Math.max(latest, t);
      }
      return (latest - from) / 1e9;
    }

    /** Median, 95th percentile and maximum of the times since each hub was up (0 for what came before). */
    private static String spread(long[] times, long[] since) {
      long[] d = new long[times.length];
      int k = 0;
      for (int i = 0; i < times.length; i++) {
        if (times[i] != 0) {
          d[k++] = Math.max(0, times[i] - since[i]);
        }
      }
      if (k == 0) {
        return "none";
      }
      d = Arrays.copyOf(d, k);
      Arrays.sort(d);
      return String.format(Locale.ROOT, "median %.2f s, p95 %.2f s, max %.2f s (%d hubs)", d[(k - 1) / 2] / 1e9,
          d[(int) Math.ceil(0.95 * k) - 1] / 1e9, d[k - 1] / 1e9, k);
    }

    /** Stops every hub (goodbye and byebye included), a few at once, then the hubs' Vert.x instances. */
    private static void stop(List<Vertx> vertxes, AtomicReferenceArray<SensorHub> hubs, PrintStream err) {
      long t = System.nanoTime();
      var up = new ArrayList<SensorHub>();
      for (int i = 0; i < hubs.length(); i++) {
        if (hubs.get(i) != null) {
          up.add(hubs.get(i));
        }
      }
      // hub.stop() runs blocking steps (byebye, outbox close) on the caller's context; a few callers in parallel.
      var pool = java.util.concurrent.Executors.newFixedThreadPool(32);
      try {
        var stops = new ArrayList<java.util.concurrent.Future<?>>();
        for (SensorHub hub : up) {
          stops.add(pool.submit(() -> {
            try {
              hub.stop().await(60, TimeUnit.SECONDS);
            } catch (Exception e) {
              err.println("discovery: hub " + hub.machine().name() + " did not stop cleanly: " + e);
            }
          }));
        }
        for (var s : stops) {
          try {
            s.get();
          } catch (Exception e) {
            // reported above
          }
        }
      } finally {
        pool.shutdownNow();
      }
      try {
        Future.join(vertxes.stream().map(Vertx::close).toList()).await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        err.println("discovery: the hubs' Vert.x instances did not stop within 30 s");
      }
      err.printf("discovery: %d hubs stopped in %.1f s%n", up.size(), (System.nanoTime() - t) / 1e9);
    }
  }

  /** What this process may open and start, and what it uses now (Linux /proc; other systems: less detail). */
  static final class Resources {
    private Resources() {
    }

    /** Null if {@code hubs} bench hubs fit in this process's limits; else the limit and how to raise it. */
    static String shortfall(int hubs, boolean vertxPerHub) {
      if (Boolean.getBoolean("outpost.bench.noLimitCheck")) {
        return null;
      }
      long maxFiles = maxOpenFiles();
      long needFiles = FILES_BASE + (long) hubs * (vertxPerHub ? FILES_PER_HUB_OWN_VERTX : FILES_PER_HUB);
      if (maxFiles > 0 && maxFiles < needFiles) {
        return String.format(Locale.ROOT, "%d hubs need about %d open files, but this process may open %d"
            + " (ulimit -n); raise it (for example `ulimit -n %d`) or start fewer hubs", hubs, needFiles, maxFiles,
            Math.max(4_096, needFiles * 2));
      }
      long maxThreads = userProcessLimit();
      long needThreads = 300 + (long) hubs * (vertxPerHub ? THREADS_PER_HUB_OWN_VERTX : THREADS_PER_HUB);
      if (maxThreads > 0 && maxThreads < needThreads) {
        return String.format(Locale.ROOT, "%d hubs need about %d threads, but this user may run %d processes and"
            + " threads in all (ulimit -u); raise it or start fewer hubs", hubs, needThreads, maxThreads);
      }
      return null;
    }

    /** Why a hub could not start, in terms of the limit that was hit when one was. */
    static String explain(Throwable e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        String m = String.valueOf(t.getMessage());
        if (m.contains("Too many open files")) {
          return "too many open files: the limit is " + maxOpenFiles() + " (ulimit -n), " + openFiles()
              + " open now; raise it or start fewer hubs";
        }
        if (t instanceof OutOfMemoryError && m.contains("native thread")) {
          return "cannot start more threads (" + threads() + " running; see ulimit -u and /proc/sys/kernel/threads-max)";
        }
        if (t instanceof OutOfMemoryError) {
          return "out of memory (" + m + "; heap max " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB); raise -Xmx";
        }
        if (m.contains("map failed") || m.contains("Map failed")) {
          return "cannot map more outbox files (" + m + "; see /proc/sys/vm/max_map_count)";
        }
      }
      return e.toString();
    }

    private static final java.util.concurrent.atomic.AtomicLong PEAK_FILES = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong PEAK_THREADS = new java.util.concurrent.atomic.AtomicLong();
    private static long lastSample;

    /** Notes the open files and threads now, for {@link #peaks()}. */
    static void sample() {
      long now = System.nanoTime();
      if (now - lastSample < 50_000_000L) {
        return;
      }
      lastSample = now;
      PEAK_FILES.accumulateAndGet(openFiles(), Math::max);
      PEAK_THREADS.accumulateAndGet(threads(), Math::max);
    }

    static String peaks() {
      return String.format(Locale.ROOT, "at most %d open files (limit %d) and %d threads", PEAK_FILES.get(), maxOpenFiles(),
          PEAK_THREADS.get());
    }

    /** Open files, threads, memory of this process now. */
    static String now() {
      Runtime rt = Runtime.getRuntime();
      return String.format(Locale.ROOT, "files %d/%d, threads %d, heap %d MB, rss %s MB", openFiles(), maxOpenFiles(),
          threads(), (rt.totalMemory() - rt.freeMemory()) / (1 << 20), rssMegabytes());
    }

    static long maxOpenFiles() {
      try {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
          return unix.getMaxFileDescriptorCount();
        }
      } catch (RuntimeException | InternalError e) {
        // not readable now
      }
      return -1;
    }

    /** Open files now; -1 if unknown (also when there is no descriptor left to read /proc/self/fd with). */
    static long openFiles() {
      try {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
          return unix.getOpenFileDescriptorCount();
        }
      } catch (RuntimeException | InternalError e) {
        // "errno: 24 error: Unable to open directory /proc/self/fd": out of descriptors
      }
      return -1;
    }

    static int threads() {
      return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static String rssMegabytes() {
      String kb = status("VmRSS:");
      return kb == null ? "?" : Long.toString(Long.parseLong(kb.replace("kB", "").strip()) / 1024);
    }

    private static long userProcessLimit() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
          if (line.startsWith("Max processes")) {
            String soft = line.substring("Max processes".length()).strip().split("\\s+")[0];
            return "unlimited".equals(soft) ? -1 : Long.parseLong(soft);
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux
      }
      return -1;
    }

    private static String status(String key) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith(key)) {
            return line.substring(key.length()).strip();
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux
      }
      return null;
    }
  }

  /**
   * Stands in for {@code System.err} while the bench runs: counts the log lines (slf4j-simple writes each
   * to {@code System.err}) by level and logger and lets through only WARN and ERROR (the first few of
   * each logger), unless verbose. The bench's own lines go to {@link #console()}.
   */
  static final class LogTap extends OutputStream {
    private static final int SHOWN_PER_LOGGER = 10;
    private static final java.util.regex.Pattern LINE =
        java.util.regex.Pattern.compile("^\\S+ \\[[^\\]]*\\] (TRACE|DEBUG|INFO|WARN|ERROR) (\\S+) - .*");
    private final PrintStream console;
    private final boolean verbose;
    private final ThreadLocal<ByteArrayOutputStream> pending = ThreadLocal.withInitial(ByteArrayOutputStream::new);
    private final ThreadLocal<Boolean> lastShown = ThreadLocal.withInitial(() -> Boolean.TRUE);
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> shown = new ConcurrentHashMap<>();
    private final LongAdder lines = new LongAdder();
    private final AtomicReference<String> trouble = new AtomicReference<>();

    private LogTap(PrintStream console, boolean verbose) {
      this.console = console;
      this.verbose = verbose;
    }

    static LogTap install(boolean verbose) {
      var tap = new LogTap(System.err, verbose);
      System.setErr(new PrintStream(tap, true, StandardCharsets.UTF_8));
      return tap;
    }

    PrintStream console() {
      return console;
    }

    void uninstall() {
      System.err.flush();
      System.setErr(console);
    }

    @Override
    public void write(int b) {
      var buffer = pending.get();
      if (b == '\n') {
        line(buffer.toString(StandardCharsets.UTF_8));
        buffer.reset();
      } else {
        buffer.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }

    /** What limit of this process the log shows was hit (open files, threads, memory), or null. */
    String trouble() {
      return trouble.get();
    }

    private void line(String line) {
      lines.increment();
      if (trouble.get() == null) {
        if (line.contains("Too many open files")) {
          trouble.compareAndSet(null, "this process ran out of file descriptors (\"Too many open files\"; the limit is "
              + Resources.maxOpenFiles() + ", see ulimit -n)");
        } else if (line.contains("unable to create native thread") || line.contains("unable to create new native thread")) {
          trouble.compareAndSet(null, "this process could not start more threads (see ulimit -u and"
              + " /proc/sys/kernel/threads-max)");
        } else if (line.contains("java.lang.OutOfMemoryError")) {
          trouble.compareAndSet(null, "this process ran out of memory (" + line.strip() + "); raise -Xmx");
        } else if (line.contains("Map failed")) {
          trouble.compareAndSet(null, "an outbox file could not be mapped (see /proc/sys/vm/max_map_count)");
        }
      }
      var m = LINE.matcher(line);
      boolean show;
      if (m.matches()) {
        String key = m.group(1) + " " + m.group(2);
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
        boolean serious = m.group(1).equals("WARN") || m.group(1).equals("ERROR");
        show = verbose || (serious && shown.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() <= SHOWN_PER_LOGGER);
        lastShown.set(show);
      } else {
        if (line.startsWith("Exception in thread ")) {
          counts.computeIfAbsent("UNCAUGHT exception", k -> new LongAdder()).increment();
        }
        show = verbose || lastShown.get();   // a stack trace line, or something not from the logger
      }
      if (show) {
        console.println(line);
      }
    }

    /** How many log lines of which level and logger. */
    void summary(String whose, PrintStream out) {
      if (lines.sum() == 0) {
        return;
      }
      var sorted = new TreeMap<String, Long>();
      counts.forEach((k, v) -> sorted.put(k, v.sum()));
      long info = sorted.entrySet().stream().filter(e -> e.getKey().startsWith("INFO ")).mapToLong(Map.Entry::getValue).sum();
      long warn = sorted.entrySet().stream().filter(e -> e.getKey().startsWith("WARN ")).mapToLong(Map.Entry::getValue).sum();
      long error = sorted.entrySet().stream().filter(e -> e.getKey().startsWith("ERROR ")).mapToLong(Map.Entry::getValue).sum();
      out.printf("discovery: log of %s: %d lines: %d INFO, %d WARN, %d ERROR%s%n", whose, lines.sum(), info, warn, error,
          verbose ? "" : " (WARN/ERROR shown up to " + SHOWN_PER_LOGGER + " per logger; --verbose shows all)");
      sorted.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .forEach(e -> out.printf("discovery: log:   %6d %s%n", e.getValue(), e.getKey()));
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
