package dev.outpost.hub.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.Role;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * Announcing and finding over real SSDP on the loopback interface only ({@code lo}, TTL 1): several
 * nodes in this JVM, each with its own sockets and description server, so every discovery here crosses
 * the network stack.
 */
@SuppressWarnings("try") // announcements and watches are held open by try-with-resources
class UpnpLoopbackDiscoveryTest {
  static final Duration FIVE_SECONDS = Duration.ofSeconds(5);
  static final AtomicInteger SEQ = new AtomicInteger();
  static UpnpNode announcer;

  @BeforeAll
  static void startAnnouncer() {
    announcer = UpnpNode.start(DiscoveryConfig.loopback());
  }

  @AfterAll
  static void stopAnnouncer() {
    if (announcer != null) {
      announcer.close();
    }
  }

  static String uid(String what) {
    return what + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
  }

  /** Everything a watch was told. */
  static final class Events implements DiscoveryListener {
    record Event(Found device, Gone gone) {
    }

    final List<Event> all = new CopyOnWriteArrayList<>();

    @Override
    public void found(Found device) {
      all.add(new Event(device, null));
    }

    @Override
    public void gone(Found device, Gone why) {
      all.add(new Event(device, why));
    }

    Optional<Found> found(String uid) {
      return all.stream().filter(e -> e.gone() == null && e.device().uid().equals(uid)).map(Event::device).findFirst();
    }

    Optional<Gone> gone(String uid) {
      return all.stream().filter(e -> e.gone() != null && e.device().uid().equals(uid)).map(Event::gone).findFirst();
    }
  }

  private static Found awaitFound(Events events, String uid, long sinceNanos, String what) {
    await().atMost(FIVE_SECONDS).pollInterval(Duration.ofMillis(10)).until(() -> events.found(uid).isPresent());
    System.err.printf("%s: found after %d ms%n", what, (System.nanoTime() - sinceNanos) / 1_000_000);
    return events.found(uid).orElseThrow();
  }

  @Test
  void anAnnouncedConnectorIsFoundBySearchWithinFiveSecondsWithItsFields() {
    String uid = uid("conn");
    try (var hubSide = UpnpNode.start(DiscoveryConfig.loopback());
        var connector = announcer.announce(DeviceInfo.connector(uid, "Connector Süd & Nord", "2.0.1", 4443))) {
      var events = new Events();
      long t0 = System.nanoTime();
      hubSide.watch(Role.CONNECTOR, events);
      Found f = awaitFound(events, uid, t0, "connector by search");
      assertEquals(uid, f.uid());
      assertEquals("Connector Süd & Nord", f.name());
      assertEquals(Role.CONNECTOR, f.role());
      assertEquals("2.0.1", f.version());
      assertEquals("127.0.0.1", f.address());
      assertEquals(4443, f.port());
      assertEquals("127.0.0.1:4443", f.hostPort());
      assertFalse(f.local());
      int httpPort = announcer.descriptionServers().get(0).getPort();
      assertNotEquals(0, httpPort, "a concrete port is advertised");
      assertEquals(URI.create("http://127.0.0.1:" + httpPort + "/dev/" + DeviceTypes.udnFor(uid) + "/desc"),
          f.descriptionUrl());
      assertEquals(List.of(f.descriptionUrl()), connector.descriptionUrls());
      assertEquals("uuid:" + DeviceTypes.udnFor(uid), connector.udn());
      assertTrue(hubSide.known(Role.CONNECTOR).contains(f));
      assertTrue(hubSide.known(Role.HUB).stream().noneMatch(h -> h.uid().equals(uid)));
    }
  }

  @Test
  void aHubAnnouncedFirstIsFoundByAConnectorThatStartsLater() {
    String uid = uid("hub");
    try (var hub = announcer.announce(DeviceInfo.hub(uid, "Hub early", "1"))) {
      // the hub's NOTIFYs went out before this node existed: only its M-SEARCH can find the hub
      try (var connectorSide = UpnpNode.start(DiscoveryConfig.loopback())) {
        var events = new Events();
        long t0 = System.nanoTime();
        connectorSide.watch(Role.HUB, events);
        Found f = awaitFound(events, uid, t0, "hub first, connector later");
        assertEquals(Role.HUB, f.role());
        assertEquals(0, f.port());
        assertThrows(IllegalStateException.class, f::hostPort);
      }
    }
  }

  @Test
  void aConnectorSearchingFirstFindsAHubThatStartsLater() {
    String uid = uid("hub");
    try (var connectorSide = UpnpNode.start(DiscoveryConfig.loopback())) {
      var events = new Events();
      connectorSide.watch(Role.HUB, events);
      long t0 = System.nanoTime();
      try (var hub = announcer.announce(DeviceInfo.hub(uid, "Hub late", "1"))) {
        awaitFound(events, uid, t0, "connector first, hub later (NOTIFY alive)");
      }
    }
  }

  @Test
  void aConnectorAnnouncedFirstIsFoundByAHubThatStartsLaterAndTheOtherWayRound() {
    String early = uid("conn");
    try (var connector = announcer.announce(DeviceInfo.connector(early, "Connector early", "1", 4443));
        var hubSide = UpnpNode.start(DiscoveryConfig.loopback())) {
      var events = new Events();
      long t0 = System.nanoTime();
      hubSide.watch(Role.CONNECTOR, events);
      awaitFound(events, early, t0, "connector first, hub later");
      String late = uid("conn");
      long t1 = System.nanoTime();
      try (var second = announcer.announce(DeviceInfo.connector(late, "Connector late", "1", 5443))) {
        assertEquals(5443, awaitFound(events, late, t1, "hub first, connector later").port());
      }
    }
  }

  @Test
  void byebyeIsSeenWhenADeviceIsWithdrawnAndWhenItsNodeStopsCleanly() {
    try (var watcher = UpnpNode.start(DiscoveryConfig.loopback())) {
      var events = new Events();
      watcher.watch(Role.HUB, events);

      String withdrawn = uid("hub");
      var hub = announcer.announce(DeviceInfo.hub(withdrawn, "Hub withdrawn", "1"));
      awaitFound(events, withdrawn, System.nanoTime(), "hub to withdraw");
      long t0 = System.nanoTime();
      hub.close();
      await().atMost(FIVE_SECONDS).until(() -> events.gone(withdrawn).isPresent());
      System.err.printf("byebye on withdraw seen after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      assertEquals(DiscoveryListener.Gone.BYEBYE, events.gone(withdrawn).orElseThrow());

      String stopped = uid("hub");
      var hubNode = UpnpNode.start(DiscoveryConfig.loopback());
      hubNode.announce(DeviceInfo.hub(stopped, "Hub on its own node", "1"));
      awaitFound(events, stopped, System.nanoTime(), "hub on its own node");
      long t1 = System.nanoTime();
      hubNode.close();
      await().atMost(FIVE_SECONDS).until(() -> events.gone(stopped).isPresent());
      System.err.printf("byebye on node stop seen after %d ms%n", (System.nanoTime() - t1) / 1_000_000);
      assertEquals(DiscoveryListener.Gone.BYEBYE, events.gone(stopped).orElseThrow());
      assertTrue(watcher.known(Role.HUB).stream().noneMatch(f -> f.uid().equals(stopped)));
    }
  }

  @Test
  void theDescriptionIsAValidUpnpDeviceDescription() throws Exception {
    String uid = "6f1c2a3e-5b4d-4c7e-9f00-112233445566";
    try (var connector = announcer.announce(DeviceInfo.connector(uid, "Connector <desc>", "3.1.4", 4443))) {
      var http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();
      var response = http.send(HttpRequest.newBuilder(connector.descriptionUrls().get(0)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, response.statusCode());
      assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/xml"),
          response.headers().toString());
      var factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      var doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(response.body()));
      Element root = doc.getDocumentElement();
      assertEquals("urn:schemas-upnp-org:device-1-0", root.getNamespaceURI());
      assertEquals("root", root.getLocalName());
      String ns = "urn:schemas-upnp-org:device-1-0";
      assertEquals("1", root.getElementsByTagNameNS(ns, "major").item(0).getTextContent());
      Element device = (Element) root.getElementsByTagNameNS(ns, "device").item(0);
      assertEquals(DeviceTypes.CONNECTOR, text(device, ns, "deviceType"));
      assertEquals("Connector <desc>", text(device, ns, "friendlyName"));
      assertEquals("Outpost", text(device, ns, "manufacturer"));
      assertEquals("Outpost Connector", text(device, ns, "modelName"));
      assertEquals("3.1.4", text(device, ns, "modelNumber"));
      assertEquals(uid, text(device, ns, "serialNumber"));
      assertEquals("uuid:" + uid, text(device, ns, "UDN"), "a UUID uid is used as the UDN as it is");
      assertEquals("4443", text(device, DeviceTypes.VENDOR_NAMESPACE, "lanPort"));
      // and our own checker accepts it
      var d = Description.parse(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(4443, d.lanPort());
    }
  }

  private static String text(Element parent, String ns, String name) {
    return parent.getElementsByTagNameNS(ns, name).item(0).getTextContent();
  }

  @Test
  void oneNodeHostsAConnectorAndTwoHubsAndItsSearchesFindThemToo() {
    String c = uid("conn");
    String h1 = uid("hub");
    String h2 = uid("hub");
    var remoteEvents = new Events();
    try (var demo = UpnpNode.start(DiscoveryConfig.loopback());
        var remoteWatch = announcer.watch(Role.HUB, remoteEvents)) {
      demo.announce(DeviceInfo.connector(c, "Demo connector", "1", 4443));
      demo.announce(DeviceInfo.hub(h1, "Demo hub 1", "1"));
      demo.announce(DeviceInfo.hub(h2, "Demo hub 2", "1"));
      var hubs = new Events();
      var connectors = new Events();
      demo.watch(Role.HUB, hubs);
      demo.watch(Role.CONNECTOR, connectors);
      await().atMost(FIVE_SECONDS).until(() -> hubs.found(h1).isPresent() && hubs.found(h2).isPresent()
          && connectors.found(c).isPresent());
      assertTrue(hubs.found(h1).orElseThrow().local());
      assertEquals("127.0.0.1:4443", connectors.found(c).orElseThrow().hostPort());
      // another node sees the same hubs over the network
      await().atMost(FIVE_SECONDS).until(() -> remoteEvents.found(h1).isPresent() && remoteEvents.found(h2).isPresent());
      assertFalse(remoteEvents.found(h1).orElseThrow().local());
      assertEquals(demo.descriptionServers().get(0).getPort(), remoteEvents.found(h2).orElseThrow().descriptionUrl()
          .getPort());
      var again = assertThrows(DiscoveryException.class, () -> demo.announce(DeviceInfo.hub(h1, "twice", "1")));
      assertEquals("hub " + h1 + " is already announced here", again.getMessage());
    }
  }

  @Test
  void theSharedNodeIsReferenceCounted() {
    var config = DiscoveryConfig.loopback();
    String uid = uid("hub");
    var watcher = new Events();
    try (var w = announcer.watch(Role.HUB, watcher)) {
      var first = UpnpNode.shared(config);
      var second = UpnpNode.shared(config);
      assertEquals(first.descriptionServers(), second.descriptionServers(), "one node behind both");
      var other = assertThrows(DiscoveryException.class, () -> UpnpNode.shared(config.withSearchInterval(
          Duration.ofSeconds(7))));
      assertTrue(other.getMessage().startsWith("the shared UPnP node runs with"), other.getMessage());
      second.announce(DeviceInfo.hub(uid, "Shared hub", "1"));
      first.close();
      awaitFound(watcher, uid, System.nanoTime(), "hub on the shared node");
      assertTrue(watcher.gone(uid).isEmpty(), "closing one reference leaves the node and its devices");
      second.close();
      await().atMost(FIVE_SECONDS).until(() -> watcher.gone(uid).isPresent());
      assertThrows(DiscoveryException.class, () -> second.announce(DeviceInfo.hub(uid("hub"), "x", "1")));
      try (var third = UpnpNode.shared(config.withSearchInterval(Duration.ofSeconds(7)))) {
        assertEquals(Duration.ofSeconds(7), third.config().searchInterval(), "a new shared node after the last close");
      }
    }
  }
}
