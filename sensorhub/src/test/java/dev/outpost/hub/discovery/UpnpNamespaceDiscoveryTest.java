package dev.outpost.hub.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Discovery between two machines, as far as one machine can stage it: two network namespaces created here
 * ({@code opns-c-PID-N} for the connector, {@code opns-h-PID-N} for the hub), joined by a veth pair
 * (10.77.X.1/24 and 10.77.X.2/24, created directly inside the namespaces, so nothing appears on the
 * machine's own interfaces), each with {@code lo} up and the multicast route {@code 224.0.0.0/4} on its veth.
 * In each namespace a child JVM ({@link UpnpNamespaceNode}) runs a {@link UpnpNode} on the veth only: the
 * connector announces {@code DeviceInfo.connector(uid, name, "test", 4443)} and watches hubs, the hub
 * announces itself and watches connectors. Each start order is tried: the hub must report the connector
 * (its uid, its veth address, port 4443) within 5 s of the later node's start, and the connector the hub.
 *
 * <p>Needs root and iproute2; skipped with the reason otherwise. The child JVMs are stopped and the
 * namespaces deleted after each test, also when it fails (and by a shutdown hook if the JVM is ended).
 */
@EnabledOnOs(OS.LINUX)
class UpnpNamespaceDiscoveryTest {
  static final int LAN_PORT = 4443;
  static final Duration WITHIN = Duration.ofSeconds(5);
  /** Generous: a JVM with jUPnP and Jetty starting on a busy 2-core machine. */
  static final Duration CHILD_START = Duration.ofSeconds(15);
  static final String VETH_C = "opveth-c";
  static final String VETH_H = "opveth-h";
  static final long PID = ProcessHandle.current().pid();
  static final AtomicInteger SEQ = new AtomicInteger();
  /** Namespaces created and not yet deleted, for the shutdown hook. */
  static final Set<String> LIVE_NAMESPACES = ConcurrentHashMap.newKeySet();
  static final Set<Process> LIVE_CHILDREN = ConcurrentHashMap.newKeySet();
  static String ip;

  String nsC;
  String nsH;
  String addrC;
  String addrH;
  final List<Child> children = new ArrayList<>();

  @BeforeAll
  static void requireRootAndIp() throws Exception {
    ip = List.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip").stream()
        .filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
    assumeTrue(ip != null, "iproute2 ('ip') is not installed: network namespaces cannot be created");
    String uid = run(List.of("id", "-u")).strip();
    assumeTrue(uid.equals("0"), "network namespaces need root; running as uid " + uid);
    deleteStaleNamespaces();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LIVE_CHILDREN.forEach(Process::destroyForcibly);
      LIVE_NAMESPACES.forEach(UpnpNamespaceDiscoveryTest::deleteNamespaceQuietly);
    }, "netns-cleanup"));
  }

  /** Namespaces of an earlier run of this test whose JVM was killed before it could delete them. */
  private static void deleteStaleNamespaces() throws Exception {
    var ours = Pattern.compile("opns-[ch]-(\\d+)-\\d+");
    for (String line : run(List.of(ip, "netns", "list")).split("\n")) {
      String name = line.strip().split("\\s+")[0];
      var m = ours.matcher(name);
      if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
        System.err.println("deleting the stale network namespace " + name);
        deleteNamespaceQuietly(name);
      }
    }
  }

  @BeforeEach
  void createNamespaces() throws Exception {
    int n = SEQ.incrementAndGet();
    nsC = "opns-c-" + PID + "-" + n;
    nsH = "opns-h-" + PID + "-" + n;
    int x = freeSubnet(n);
    addrC = "10.77." + x + ".1";
    addrH = "10.77." + x + ".2";
    try {
      sh(ip, "netns", "add", nsC);
    } catch (IOException e) {
      assumeTrue(false, "cannot create a network namespace here (" + e.getMessage().strip() + ")");
    }
    LIVE_NAMESPACES.add(nsC);
    sh(ip, "netns", "add", nsH);
    LIVE_NAMESPACES.add(nsH);
    // both ends are born inside the namespaces: the veth never exists on the machine's side
    sh(ip, "-n", nsC, "link", "add", VETH_C, "type", "veth", "peer", "name", VETH_H, "netns", nsH);
    link(nsC, VETH_C, addrC);
    link(nsH, VETH_H, addrH);
    System.err.printf("namespaces %s (%s %s/24) and %s (%s %s/24)%n", nsC, VETH_C, addrC, nsH, VETH_H, addrH);
  }

  private static void link(String ns, String veth, String address) throws Exception {
    sh(ip, "-n", ns, "addr", "add", address + "/24", "dev", veth);
    sh(ip, "-n", ns, "link", "set", "lo", "up");
    sh(ip, "-n", ns, "link", "set", veth, "up");
    sh(ip, "-n", ns, "route", "add", "224.0.0.0/4", "dev", veth);
  }

  /** A 10.77.X.0/24 that no interface of this machine uses (the namespaces are private anyway). */
  private static int freeSubnet(int n) throws Exception {
    String used = run(List.of(ip, "-4", "-o", "addr", "show"));
    for (int i = 0; i < 200; i++) {
      int x = 20 + (int) ((PID + n + i) % 200);
      if (!used.contains(" 10.77." + x + ".")) {
        return x;
      }
    }
    throw new IllegalStateException("no free 10.77.X.0/24 subnet");
  }

  @AfterEach
  void cleanUp() {
    for (Child c : children) {
      c.stop();
    }
    for (String ns : new String[] {nsC, nsH}) {
      if (ns != null && LIVE_NAMESPACES.contains(ns)) {
        deleteNamespaceQuietly(ns);
      }
    }
  }

  @Test
  @Timeout(value = 40, unit = TimeUnit.SECONDS)
  void aHubStartingAfterTheConnectorFindsItAcrossTheVeth() throws Exception {
    String connectorUid = "ns-conn-" + PID + "-" + SEQ.get();
    String hubUid = "ns-hub-" + PID + "-" + SEQ.get();
    Child connector = startConnector(connectorUid);
    connector.awaitLine("READY ", CHILD_START);

    long launched = System.nanoTime();
    Child hub = startHub(hubUid);
    long ready = hub.awaitLine("READY ", CHILD_START).nanos();
    Line found = hub.awaitLine("FOUND connector " + connectorUid + " ", CHILD_START);
    assertFound(found, "connector", connectorUid, addrC, LAN_PORT, launched, ready, "connector first, hub later");
    Line hubFound = connector.awaitLine("FOUND hub " + hubUid + " ", CHILD_START);
    assertFound(hubFound, "hub", hubUid, addrH, 0, launched, ready, "connector first, hub later (the hub's NOTIFY)");
  }

  @Test
  @Timeout(value = 40, unit = TimeUnit.SECONDS)
  void aConnectorStartingAfterTheHubIsFoundAcrossTheVeth() throws Exception {
    String connectorUid = "ns-conn-" + PID + "-" + SEQ.get();
    String hubUid = "ns-hub-" + PID + "-" + SEQ.get();
    Child hub = startHub(hubUid);
    hub.awaitLine("READY ", CHILD_START);

    long launched = System.nanoTime();
    Child connector = startConnector(connectorUid);
    long ready = connector.awaitLine("READY ", CHILD_START).nanos();
    Line found = hub.awaitLine("FOUND connector " + connectorUid + " ", CHILD_START);
    assertFound(found, "connector", connectorUid, addrC, LAN_PORT, launched, ready, "hub first, connector later");
    Line hubFound = connector.awaitLine("FOUND hub " + hubUid + " ", CHILD_START);
    assertFound(hubFound, "hub", hubUid, addrH, 0, launched, ready, "hub first, connector later (its M-SEARCH)");
  }

  private static void assertFound(Line line, String role, String uid, String address, int port, long launched,
      long ready, String what) {
    long sinceLaunch = (line.nanos() - launched) / 1_000_000;
    long sinceReady = (line.nanos() - ready) / 1_000_000;
    System.err.printf("%s: found %s after %d ms from the later JVM's launch, %d ms from its node's start%n", what,
        role, sinceLaunch, sinceReady);
    String[] f = line.text().split(" ");
    assertEquals(List.of("FOUND", role, uid, address, String.valueOf(port)), List.of(f), line.text());
    assertTrue(sinceReady <= WITHIN.toMillis(), what + ": found " + sinceReady + " ms after the later node started");
  }

  private Child startConnector(String uid) throws IOException {
    return start(nsC, "connector", List.of("connector", VETH_C, uid, "Connector in " + nsC, String.valueOf(LAN_PORT)));
  }

  private Child startHub(String uid) throws IOException {
    return start(nsH, "hub", List.of("hub", VETH_H, uid, "Hub in " + nsH));
  }

  private Child start(String ns, String label, List<String> args) throws IOException {
    var command = new ArrayList<>(List.of(ip, "netns", "exec", ns,
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), UpnpNamespaceNode.class.getName()));
    command.addAll(args);
    Process p = new ProcessBuilder(command).start();
    LIVE_CHILDREN.add(p);
    var child = new Child(label, ns, p);
    children.add(child);
    return child;
  }

  record Line(String text, long nanos) {
  }

  /** A child JVM: its stdout lines queued with the time they arrived, its stderr echoed to ours. */
  static final class Child {
    final String label;
    final String ns;
    final Process process;
    final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
    final List<String> seen = new ArrayList<>();

    Child(String label, String ns, Process process) {
      this.label = label;
      this.ns = ns;
      this.process = process;
      pump(process.getInputStream(), true);
      pump(process.getErrorStream(), false);
    }

    private void pump(InputStream in, boolean queue) {
      var t = new Thread(() -> {
        try (var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            long now = System.nanoTime();
            System.err.println("[" + label + (queue ? "] " : " stderr] ") + line);
            if (queue) {
              lines.add(new Line(line, now));
            }
          }
        } catch (IOException e) {
          // process ended
        }
      }, label + (queue ? "-stdout" : "-stderr"));
      t.setDaemon(true);
      t.start();
    }

    /** The next stdout line that starts with {@code prefix}, waiting at most {@code max}. */
    Line awaitLine(String prefix, Duration max) throws InterruptedException {
      long deadline = System.nanoTime() + max.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        Line line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
        if (line == null) {
          fail("the " + label + " in " + ns + " printed no '" + prefix.strip() + "' line within " + max.toMillis()
              + " ms" + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")") + "; it printed "
              + seen);
        }
        seen.add(line.text());
        if (line.text().startsWith("ERROR ")) {
          fail("the " + label + " in " + ns + " failed: " + line.text());
        }
        if (line.text().startsWith(prefix)) {
          return line;
        }
      }
    }

    /** Stops it cleanly (stdin closed: byebye, exit), or kills it after 3 s. */
    void stop() {
      try {
        OutputStream stdin = process.getOutputStream();
        stdin.close();
      } catch (IOException ignored) {
        // already gone
      }
      try {
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      LIVE_CHILDREN.remove(process);
    }
  }

  /** Kills what still runs inside our namespace (only processes this test started), then deletes it. */
  static void deleteNamespaceQuietly(String ns) {
    try {
      for (String pid : run(List.of(ip, "netns", "pids", ns)).split("\\s+")) {
        if (!pid.isBlank()) {
          ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
      run(List.of(ip, "netns", "del", ns));
      LIVE_NAMESPACES.remove(ns);
    } catch (Exception e) {
      System.err.println("could not delete network namespace " + ns + ": " + e.getMessage());
    }
  }

  private static void sh(String... command) throws Exception {
    run(List.of(command));
  }

  /** Runs a short command; its output, or an IOException with it if the command fails. */
  static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not end");
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
    }
    return out;
  }
}
