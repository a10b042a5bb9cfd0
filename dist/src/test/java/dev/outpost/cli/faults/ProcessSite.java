package dev.outpost.cli.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * A whole site of real processes on loopback: a cloud, a connector and one hub, each its own JVM
 * started from the real jar with a JSON config file in its own data folder, as they run on separate
 * machines. The site is set up through the cloud's public API only: the bootstrap admin logs in,
 * makes a site and enrolment tokens (the connector enrols with its one-time token, the hub with the
 * site's hub token), and gives the hub many cheap sensors at the shortest interval so that it
 * produces a steady, heavy flow of measurements.
 *
 * <p>Timeouts are shortened through the config files only: the hub's {@code link.retryMin/retryMax}
 * and the connector's dialer {@code backoffMin/backoffMax}. The hub gets its connector's address in
 * its config (so it does not search by UPnP), and the connector announces itself on {@code lo} only.
 *
 * <p>{@link #finish()} stops the flow, lets every outbox drain, stops every process cleanly and
 * counts: produced from the hub's outbox file, stored and duplicates from the cloud's database file.
 */
final class ProcessSite implements AutoCloseable {
  static final String ORGANISATION = "faults";
  static final String ADMIN = "admin";
  static final String STORED_METRIC = "outpost_measurements_stored_total";
  /** Shortened through the config files: hub reconnects and connector uploads retry within 2 s. */
  static final String RETRY_MIN = "PT0.2S";
  static final String RETRY_MAX = "PT2S";
  /** No measurement moved for this long: every outbox has drained (it exceeds every retry pause above). */
  private static final Duration QUIET = Duration.ofSeconds(5);
  private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);
  /** Enough for a backlog of minutes to drain as well. */
  private static final Duration FLOW_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param sensors        flow sensors on the hub, each one measurement a second
   * @param hubOutboxLimit the hub's {@code outbox.maxMeasurements}
   * @param cloudDataDir   the cloud's data folder (for example a small filesystem the test made)
   * @param hubFallbackAfter the hub's {@code fallback.after}, or null for the default (2 minutes)
   */
  record Options(int sensors, long hubOutboxLimit, Path cloudDataDir, Duration hubFallbackAfter) {
    static final int DEFAULT_SENSORS = 500;

    static Options defaults() {
      return new Options(DEFAULT_SENSORS, 0, null, null);
    }

    Options withHubOutboxLimit(long limit) {
      return new Options(sensors, limit, cloudDataDir, hubFallbackAfter);
    }

    Options withCloudDataDir(Path dir) {
      return new Options(sensors, hubOutboxLimit, dir, hubFallbackAfter);
    }

    Options withHubFallbackAfter(Duration after) {
      return new Options(sensors, hubOutboxLimit, cloudDataDir, after);
    }
  }

  private final Path root;
  private final Options options;
  private final Path cloudDir;
  private final Path connectorDir;
  private final Path hubDir;
  private final int cloudPort;
  private final int lanPort;
  private final int connectorMetricsPort;
  private final int hubMetricsPort;
  private final String password = "fault-tests-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
  private final RoleProcess cloud;
  private final RoleProcess connector;
  private final RoleProcess hub;
  private CloudApi api;
  private String hubUid;
  private List<String> flowSensors = List.of();

  private ProcessSite(Path root, Path jar, Options options) {
    this.root = root;
    this.options = options;
    this.cloudDir = options.cloudDataDir() != null ? options.cloudDataDir() : root.resolve("cloud");
    this.connectorDir = root.resolve("connector");
    this.hubDir = root.resolve("hub");
    this.cloudPort = freePort();
    this.lanPort = freePort();
    this.connectorMetricsPort = freePort();
    this.hubMetricsPort = freePort();
    this.cloud = new RoleProcess("cloud", jar, root.resolve("cloud.json"), root.resolve("cloud.log"));
    this.connector = new RoleProcess("connector", jar, root.resolve("connector.json"), root.resolve("connector.log"));
    this.hub = new RoleProcess("hub", jar, root.resolve("hub.json"), root.resolve("hub.log"));
  }

  /** Writes the configs of a new site under the root; starts nothing yet. */
  static ProcessSite create(Path root, Options options) {
    Path jar = Path.of("target", "outpost.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the fault tests run in the verify phase, after the jar is packaged");
    }
    return new ProcessSite(root, jar, options);
  }

  List<RoleProcess> processes() {
    return List.of(cloud, connector, hub);
  }

  RoleProcess cloud() {
    return cloud;
  }

  RoleProcess connector() {
    return connector;
  }

  RoleProcess hub() {
    return hub;
  }

  String hubUid() {
    return hubUid;
  }

  Path cloudDataDir() {
    return cloudDir;
  }

  /**
   * Starts the cloud, sets up a site and tokens through the API, starts the connector and the hub,
   * and starts the heavy flow; returns once the hub is linked and its flow sensors are configured.
   */
  ProcessSite start() {
    writeJson("cloud.json", CloudApi.object()
        .put("dataDir", cloudDir.toString())
        .put("host", "127.0.0.1")
        .put("port", cloudPort)
        .set("bootstrap", CloudApi.object().put("organisation", ORGANISATION).put("user", ADMIN).put("password", password)));
    startCloud();
    api = new CloudApi(cloudDir, cloudPort);
    api.login(ORGANISATION, ADMIN, password);
    int site = api.site("faults");

    writeJson("connector.json", CloudApi.object()
        .put("dataDir", connectorDir.toString())
        .put("name", "connector")
        .put("lanHost", "127.0.0.1")
        .put("lanPort", lanPort)
        .put("metrics", "127.0.0.1:" + connectorMetricsPort)
        .put("token", api.enrolmentToken(site, "connector"))
        .<ObjectNode>set("cloud", CloudApi.object()
            .<ObjectNode>set("endpoints", JSON.createArrayNode().add("127.0.0.1:" + cloudPort))
            .put("connectTimeout", "PT2S")
            .put("requestTimeout", "PT15S")
            .put("backoffMin", RETRY_MIN)
            .put("backoffMax", RETRY_MAX))
        .set("discovery", loopbackDiscovery()));
    ObjectNode hubConfig = CloudApi.object()
        .put("dataDir", hubDir.toString())
        .put("name", "hub")
        .put("connector", "127.0.0.1:" + lanPort)
        .put("metrics", "127.0.0.1:" + hubMetricsPort)
        .put("token", api.enrolmentToken(site, "hub"))
        .<ObjectNode>set("link", CloudApi.object().put("retryMin", RETRY_MIN).put("retryMax", RETRY_MAX))
        .set("discovery", loopbackDiscovery());
    if (options.hubOutboxLimit() > 0) {
      hubConfig.set("outbox", CloudApi.object().put("maxMeasurements", options.hubOutboxLimit()));
    }
    if (options.hubFallbackAfter() != null) {
      hubConfig.set("fallback", CloudApi.object().put("after", options.hubFallbackAfter().toString()));
    }
    writeJson("hub.json", hubConfig);

    connector.start();
    String connectorUid = uidIn(connectorDir);
    long hubMark = hub.size();
    hub.start();
    awaitHubLinked(hubMark);
    hubUid = uidIn(hubDir);
    // The machine shows up in the API with its first upload (its default sensors run at once).
    await("the hub in the cloud's API").atMost(SETUP_TIMEOUT).until(() -> api.knows(hubUid) && api.knows(connectorUid));

    // Quiet machines apart from the flow: no default sensors on the connector or the hub.
    api.deleteSensors(connectorUid, api.sensorIds(connectorUid));
    api.deleteSensors(hubUid, api.sensorIds(hubUid));
    flowSensors = IntStream.range(0, options.sensors()).mapToObj(i -> String.format("flow-%04d", i)).toList();
    String watched = hubDir.resolve("machine.json").toString();
    note("the hub is linked and known to the cloud; configuring its flow sensors");
    api.putSensors(hubUid, flowSensors, id -> CloudApi.object()
        .put("type", "file")
        .put("intervalSeconds", 1)
        .set("settings", CloudApi.object().put("path", watched)));
    note("the cloud took the " + flowSensors.size() + " flow sensors");
    await("the hub to run its " + flowSensors.size() + " flow sensors").atMost(SETUP_TIMEOUT)
        .until(() -> hub.logSinceStart().contains("with " + flowSensors.size() + " sensors"));
    note("site set up: the hub runs " + flowSensors.size() + " sensors every second");
    return this;
  }

  /**
   * Starts the cloud process and waits until {@code /health/ready} answers 200. After a restart the
   * admin logs in again: logins do not outlive the cloud process.
   */
  void startCloud() {
    cloud.start();
    var ready = new CloudApi(cloudDir, cloudPort);
    await("the cloud to be ready").atMost(SETUP_TIMEOUT)
        .failFast("the cloud exited", () -> !cloud.isAlive())
        .until(ready::ready);
    if (api != null) {
      api.login(ORGANISATION, ADMIN, password);
    }
  }

  /** Waits until the hub's log, from the position on, says it linked to its connector. */
  void awaitHubLinked(long hubLogPosition) {
    await("the hub to link to its connector").atMost(SETUP_TIMEOUT)
        .failFast("the hub exited", () -> !hub.isAlive())
        .failFast("the connector exited", () -> !connector.isAlive())
        .until(() -> hub.since(hubLogPosition).contains("linked to connector"));
  }

  /** The hub's path as {@code GET /api/v1/machines} shows it: {@code direct}, or the connector's uid. */
  String hubPath() {
    for (var machine : api.machines()) {
      if (machine.path("uid").asText().equals(hubUid)) {
        var path = machine.path("path");
        return "direct".equals(path.path("type").asText()) ? "direct" : path.path("connector").asText(null);
      }
    }
    return null;
  }

  /** The connector's uid. */
  /** The connector's {@code /metrics} text now. */
  String connectorMetrics() {
    return metrics(connectorMetricsPort);
  }

  /** The hub's {@code /metrics} text now. */
  String hubMetrics() {
    return metrics(hubMetricsPort);
  }

  private static String metrics(int port) {
    try {
      var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build();
      var answer = java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        throw new IllegalStateException("/metrics on port " + port + " answered " + answer.statusCode());
      }
      return answer.body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The hub's rotating log file. */
  Path hubLogFile() {
    return hubDir.resolve("logs").resolve("hub.log");
  }

  String connectorUid() {
    return uidIn(connectorDir);
  }

  /** The measurements the cloud has stored in all (its own counter), or -1 while it does not answer. */
  long storedInCloud() {
    return (long) api.metric(STORED_METRIC);
  }

  /** Waits until the cloud has stored this many more measurements than now: the flow runs end to end. */
  void awaitFlow(long more) {
    awaitFlow(more, FLOW_TIMEOUT);
  }

  /** As {@link #awaitFlow(long)}, waiting at most so long. */
  void awaitFlow(long more, Duration within) {
    long start = storedInCloud();
    assertTrue(start >= 0, "the cloud answers /metrics");
    // a process the test stopped on purpose (a connector that is away) does not count as a failure
    var running = processes().stream().filter(RoleProcess::isAlive).toList();
    await("the cloud to store " + more + " more measurements").atMost(within)
        .pollInterval(Duration.ofMillis(250))
        .failFast("a process exited", () -> running.stream().anyMatch(p -> !p.isAlive()))
        .until(() -> storedInCloud() >= start + more);
    note("the cloud stored " + more + " more measurements (" + storedInCloud() + " in all)");
  }

  /**
   * Ends the test's flow and counts: deletes the flow sensors through the API; waits until nothing
   * moves any more; stops the hub cleanly and checks that its outbox is empty (if not, starts it
   * again to send the rest); stops the connector cleanly and checks that its outbox holds nothing
   * of the hub (if it does, the same); stops the cloud cleanly; reads the counts from the files.
   */
  Counts finish() {
    long hubMark = hub.size();
    note("ending the flow: deleting the flow sensors");
    api.deleteSensors(hubUid, flowSensors);
    await("the hub to stop its flow sensors").atMost(SETUP_TIMEOUT)
        .failFast("the hub exited", () -> !hub.isAlive())
        .until(() -> hub.since(hubMark).contains("with 0 sensors"));
    note("the hub stopped its flow sensors");

    OutboxState hubOutbox = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      awaitQuiet();
      hub.stop();
      hubOutbox = OutboxState.read(hubDir.resolve("outbox.db"), hubUid);
      if (hubOutbox.depth() == 0) {
        break;
      }
      hub.mark("outbox not drained at the stop (" + hubOutbox.depth() + " waiting); starting the hub again to send them");
      long mark = hub.size();
      hub.start();
      awaitHubLinked(mark);
    }
    assertEquals(0, hubOutbox.depth(), "the hub's outbox drained before the end");

    OutboxState connectorOutbox = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      if (attempt > 1) {
        awaitQuiet();
      }
      // On the first attempt the cloud has just been quiet with the hub's outbox empty.
      connector.stop();
      connectorOutbox = OutboxState.read(connectorDir.resolve("outbox.db"), hubUid);
      if (connectorOutbox.waitingOf() == 0) {
        break;
      }
      connector.mark("outbox holds " + connectorOutbox.waitingOf() + " measurements of the hub at the stop; starting again");
      connector.start();
    }
    assertEquals(0, connectorOutbox.waitingOf(), "the connector's outbox holds nothing of the hub at the end");

    cloud.stop();
    var stored = StoredMeasurements.read(cloudDir, hubUid);
    note("counted: hub outbox " + hubOutbox + ", connector outbox " + connectorOutbox);
    return new Counts(hubOutbox.recorded(), hubOutbox.dropped(), stored);
  }

  /** Waits until the cloud's stored count has not moved for {@link #QUIET} and nothing waits for its database. */
  private void awaitQuiet() {
    var last = new AtomicLong(-2);
    var since = new AtomicLong(System.nanoTime());
    await("every outbox to drain (nothing stored for " + QUIET.toSeconds() + " s)").atMost(DRAIN_TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .failFast("the cloud exited", () -> !cloud.isAlive())
        .until(() -> {
          long stored = storedInCloud();
          if (stored < 0 || stored != last.get() || api.metric("outpost_measurements_queued") != 0) {
            last.set(stored);
            since.set(System.nanoTime());
            return false;
          }
          return System.nanoTime() - since.get() >= QUIET.toNanos();
        });
  }

  /** Prints a step of the test with the time, to the test's output. */
  static void note(String what) {
    System.out.println("[" + java.time.Instant.now() + "] " + what);
  }

  /** Ends every process that still runs (SIGKILL); for clean-up, also after a failure. */
  @Override
  public void close() {
    for (var process : List.of(hub, connector, cloud)) {
      process.destroy();
    }
  }

  /** The last lines of every process's log. */
  String tails(int lines) {
    var text = new StringBuilder();
    for (var process : processes()) {
      text.append("\n----- last ").append(lines).append(" lines of ").append(process.log()).append(" -----\n")
          .append(process.tail(lines)).append('\n');
    }
    return text.toString();
  }

  Path root() {
    return root;
  }

  private static ObjectNode loopbackDiscovery() {
    // As DiscoveryConfig.loopback(): only lo, TTL 1; never announce on a real interface.
    return CloudApi.object().put("ttl", 1).set("interfaces", JSON.createArrayNode().add("lo"));
  }

  private void writeJson(String name, ObjectNode json) {
    try {
      Files.writeString(root.resolve(name), json.toPrettyString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String uidIn(Path dataDir) {
    try {
      return JSON.readTree(dataDir.resolve("machine.json").toFile()).get("uid").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() {
    try (var socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
