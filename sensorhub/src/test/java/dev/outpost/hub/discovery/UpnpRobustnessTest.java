package dev.outpost.hub.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.protocol.Role;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad SSDP traffic and broken descriptions on {@code lo}: a raw multicast socket pinned to {@code lo}
 * (TTL 1) sends malformed, truncated, oversized, spoofed and flooding datagrams, and a tiny HTTP server
 * serves broken, hostile and lying descriptions. Nothing of it is found, every kind is counted, and a good
 * device announced afterwards is still found.
 */
class UpnpRobustnessTest {
  static final InetAddress GROUP = address(DiscoveryConfig.SSDP_GROUP);
  static final String CONNECTOR = DeviceTypes.CONNECTOR;

  UpnpNode watcher;
  UpnpNode announcer;
  MulticastSocket raw;
  HttpServer descriptions;
  final Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();
  final List<Found> found = new CopyOnWriteArrayList<>();

  static InetAddress address(String a) {
    try {
      return InetAddress.getByName(a);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void start() throws IOException {
    watcher = UpnpNode.start(DiscoveryConfig.loopback());
    announcer = UpnpNode.start(DiscoveryConfig.loopback());
    watcher.search(Role.CONNECTOR, found::add);
    watcher.search(Role.HUB, found::add);
    NetworkInterface lo = NetworkInterface.getByName("lo");
    raw = new MulticastSocket(new InetSocketAddress(address("127.0.0.1"), 0));
    raw.setNetworkInterface(lo);
    raw.setTimeToLive(1);
    raw.joinGroup(new InetSocketAddress(GROUP, DiscoveryConfig.SSDP_PORT), lo);
    descriptions = HttpServer.create(new InetSocketAddress(address("127.0.0.1"), 0), 0);
    descriptions.start();
  }

  @AfterEach
  void stop() {
    if (raw != null) {
      raw.close();
    }
    if (descriptions != null) {
      descriptions.stop(0);
    }
    if (announcer != null) {
      announcer.close();
    }
    if (watcher != null) {
      watcher.close();
    }
  }

  void send(byte[] data) throws IOException {
    raw.send(new DatagramPacket(data, data.length, GROUP, DiscoveryConfig.SSDP_PORT));
  }

  void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Serves a body at /dev/UUID/desc and returns the NOTIFY pointing there. */
  String serve(UUID udn, int status, String body) {
    String path = "/dev/" + udn + "/desc";
    fetches.put(path, new AtomicInteger());
    descriptions.createContext(path, exchange -> {
      fetches.get(path).incrementAndGet();
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/xml; charset=\"utf-8\"");
      if (status == 302) {
        exchange.getResponseHeaders().add("Location", "http://127.0.0.1:1/elsewhere");
      }
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        exchange.getResponseBody().write(bytes);
      }
      exchange.close();
    });
    return UpnpSsdpGuardTest.alive(CONNECTOR, "uuid:" + udn + "::" + CONNECTOR,
        "http://127.0.0.1:" + descriptions.getAddress().getPort() + path);
  }

  static String description(UUID udn, String serial, String extra) {
    return DiscoveryDescriptionTest.description(CONNECTOR, "uuid:" + udn, serial, extra);
  }

  @Test
  void badPacketsAndBrokenDescriptionsAreIgnoredAndAGoodDeviceIsStillFound() throws Exception {
    long t0 = System.nanoTime();
    // 1. malformed, truncated, oversized, spoofed datagrams
    String good = UpnpSsdpGuardTest.alive(CONNECTOR, "uuid:" + UUID.randomUUID() + "::" + CONNECTOR,
        "http://127.0.0.1:9/dev/x/desc");
    send("");
    send("hello world\r\n\r\n");
    var random = new Random(7);
    byte[] binary = new byte[300];
    random.nextBytes(binary);
    binary[0] = 0;
    send(binary);
    send("M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\nMX: 1\r\n\r\n");
    send(good.replace("NTS: ssdp:alive\r\n", "NTS: ssdp:alive\r\nNTS: ssdp:byebye\r\n"));
    send(good.substring(0, good.length() / 2));
    byte[] oversized = new byte[8192];
    java.util.Arrays.fill(oversized, (byte) 'A');
    send(oversized);
    UUID spoofed = UUID.randomUUID();
    send(UpnpSsdpGuardTest.alive(CONNECTOR, "uuid:" + spoofed + "::" + CONNECTOR,
        "http://127.0.0.2:" + descriptions.getAddress().getPort() + "/dev/" + spoofed + "/desc"));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      DiscoveryStats s = watcher.stats();
      assertTrue(s.malformed() >= 5, s.toString());
      assertTrue(s.truncated() >= 1, s.toString());
      assertTrue(s.oversized() >= 1, s.toString());
      assertTrue(s.spoofed() >= 1, s.toString());
    });

    // 2. well-formed announcements whose descriptions are broken, hostile or lying (each announced 3 times)
    String xxe = "<?xml version=\"1.0\"?><!DOCTYPE root [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>";
    var bad = new ArrayList<String>();
    var badUids = new ArrayList<String>();
    UUID truncated = DeviceTypes.udnFor("bad-truncated");
    String full = description(truncated, "bad-truncated", DiscoveryDescriptionTest.port(4443));
    bad.add(serve(truncated, 200, full.substring(0, full.length() - 30)));
    UUID hostile = DeviceTypes.udnFor("bad-xxe");
    bad.add(serve(hostile, 200, xxe + description(hostile, "bad-xxe", DiscoveryDescriptionTest.port(4443))
        .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "").replace("Site A &amp; B", "&x;")));
    UUID lying = UUID.randomUUID(); // its UDN is not the one of its serial number
    bad.add(serve(lying, 200, description(lying, "bad-lying", DiscoveryDescriptionTest.port(4443))));
    UUID portless = DeviceTypes.udnFor("bad-portless");
    bad.add(serve(portless, 200, description(portless, "bad-portless", "")));
    UUID huge = DeviceTypes.udnFor("bad-huge");
    bad.add(serve(huge, 200, description(huge, "bad-huge", DiscoveryDescriptionTest.port(4443)
        + "<x>" + "y".repeat(200_000) + "</x>")));
    UUID failing = DeviceTypes.udnFor("bad-500");
    bad.add(serve(failing, 500, "oops"));
    UUID redirected = DeviceTypes.udnFor("bad-redirect");
    bad.add(serve(redirected, 302, ""));
    badUids.addAll(List.of("bad-truncated", "bad-xxe", "bad-lying", "bad-portless", "bad-huge", "bad-500",
        "bad-redirect"));
    for (int round = 0; round < 3; round++) {
      for (String notify : bad) {
        send(notify);
      }
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      DiscoveryStats s = watcher.stats();
      assertTrue(s.badDescriptions() >= bad.size(), s.toString());
    });
    // a broken description is not fetched again for each announcement pointing to it
    var before = new java.util.HashMap<String, Integer>();
    fetches.forEach((path, n) -> before.put(path, n.get()));
    long suppressedBefore = watcher.stats().suppressed();
    for (int round = 0; round < 5; round++) {
      for (String notify : bad) {
        send(notify);
      }
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> watcher.stats().suppressed() >= suppressedBefore + 5 * bad.size());
    fetches.forEach((path, n) -> assertEquals(before.get(path), n.get(), path + " fetched again"));
    fetches.forEach((path, n) -> assertTrue(n.get() <= 6, path + " fetched " + n.get() + " times by 2 nodes"));

    // 3. a flood of valid M-SEARCHes at a node that has a device to answer for
    announcer.announce(DeviceInfo.hub("flooded-hub", "Flooded hub", "1"));
    byte[] search = ("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 5\r\n"
        + "ST: ssdp:all\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < 20_000; i++) {
      send(search);
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      DiscoveryStats s = announcer.stats();
      assertTrue(s.flooded() > 0 && s.searchesDropped() > 0, s.toString());
    });

    // 4. a good connector announced now is found, with its own fields
    long t1 = System.nanoTime();
    announcer.announce(DeviceInfo.connector("good-conn", "Good connector", "1", 4443));
    await().atMost(Duration.ofSeconds(5)).until(() -> found.stream().anyMatch(f -> f.uid().equals("good-conn")));
    System.err.printf("good connector found %d ms after the abuse ended; watcher %s; announcer %s%n",
        (System.nanoTime() - t1) / 1_000_000, watcher.stats(), announcer.stats());
    Found f = found.stream().filter(x -> x.uid().equals("good-conn")).findFirst().orElseThrow();
    assertEquals("127.0.0.1:4443", f.hostPort());
    assertEquals("Good connector", f.name());
    for (String uid : badUids) {
      assertTrue(found.stream().noneMatch(x -> x.uid().equals(uid)), uid + " must not be found");
    }
    // of the devices this test's announcer serves (other processes on this machine may announce on lo too)
    String ours = f.descriptionUrl().getAuthority();
    assertTrue(found.stream().filter(x -> x.descriptionUrl().getAuthority().equals(ours))
        .allMatch(x -> x.uid().equals("good-conn") || x.uid().equals("flooded-hub")), found.toString());
    System.err.printf("robustness scenario took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
  }

  @Test
  void aConnectorThatComesBackElsewhereWithoutByebyeIsReportedAtItsNewPlace() throws Exception {
    var events = new CopyOnWriteArrayList<String>();
    watcher.watch(Role.CONNECTOR, new DiscoveryListener() {
      @Override
      public void found(Found device) {
        events.add("found " + device.uid() + " " + device.hostPort() + " " + device.version());
      }

      @Override
      public void gone(Found device, Gone why) {
        events.add("gone " + device.uid() + " " + why);
      }
    });
    String uid = "moving-conn";
    UUID udn = DeviceTypes.udnFor(uid);
    String first = serve(udn, 200, description(udn, uid, DiscoveryDescriptionTest.port(4443)));
    send(first);
    await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("found moving-conn 127.0.0.1:4443 1.2.3"));
    // "crash" and restart: a new HTTP port, a new LAN port, no byebye in between
    HttpServer second = HttpServer.create(new InetSocketAddress(address("127.0.0.1"), 0), 0);
    try {
      String body = description(udn, uid, DiscoveryDescriptionTest.port(5443)).replace("1.2.3", "1.2.4");
      second.createContext("/dev/" + udn + "/desc", exchange -> {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
      });
      second.start();
      send(first.replace(":" + descriptions.getAddress().getPort() + "/", ":" + second.getAddress().getPort() + "/"));
      await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("found moving-conn 127.0.0.1:5443 1.2.4"));
      assertEquals(List.of("found moving-conn 127.0.0.1:4443 1.2.3", "gone moving-conn LOST",
          "found moving-conn 127.0.0.1:5443 1.2.4"), events);
    } finally {
      second.stop(0);
    }
  }
}
