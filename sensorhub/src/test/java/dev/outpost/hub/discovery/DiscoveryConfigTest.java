package dev.outpost.hub.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Configuration defaults and validation; interface resolution without sending anything. */
class DiscoveryConfigTest {
  @Test
  void defaults() {
    var d = DiscoveryConfig.DEFAULTS;
    assertEquals(List.of(), d.interfaces());
    assertTrue(d.automaticInterfaces());
    assertEquals(DiscoveryConfig.DEFAULT_HTTP_PORT, d.httpPort());
    assertEquals(0, d.httpPort(), "0 = pick a free port at start");
    assertEquals(DiscoveryConfig.DEFAULT_SEARCH_INTERVAL, d.searchInterval());
    assertEquals(DiscoveryConfig.DEFAULT_TTL, d.ttl());
    assertEquals(DiscoveryConfig.DEFAULT_MAX_AGE, d.maxAge());
    var lo = DiscoveryConfig.loopback();
    assertEquals(List.of("lo"), lo.interfaces());
    assertEquals(1, lo.ttl());
    assertEquals(Duration.ofSeconds(5), lo.withSearchInterval(Duration.ofSeconds(5)).searchInterval());
    assertEquals(List.of("lo"), lo.withHttpPort(8080).interfaces());
  }

  @Test
  void validationSaysWhatIsWrong() {
    assertMessage("httpPort must be 0 (pick a free one) to 65535, not 70000",
        () -> new DiscoveryConfig(null, 70_000, null, 0, null));
    assertMessage("httpPort must be 0 (pick a free one) to 65535, not -1",
        () -> new DiscoveryConfig(null, -1, null, 0, null));
    assertMessage("searchInterval must be 1 s to 1 h, not PT0.5S",
        () -> new DiscoveryConfig(null, 0, Duration.ofMillis(500), 0, null));
    assertMessage("ttl must be 1 to 255 (0: default 2), not 256", () -> new DiscoveryConfig(null, 0, null, 256, null));
    assertMessage("maxAge must be 10 s to 1 day, not PT1S", () -> new DiscoveryConfig(null, 0, null, 0,
        Duration.ofSeconds(1)));
    assertMessage("interface lo is listed twice", () -> new DiscoveryConfig(List.of("lo", "lo"), 0, null, 0, null));
    assertMessage("interface names are 1 to 64 characters of A-Z a-z 0-9 _ . : @ -, not 'eth0,eth1'",
        () -> new DiscoveryConfig(List.of("eth0,eth1"), 0, null, 0, null));
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, e).getMessage());
  }

  @Test
  void resolvesLoopbackAndNamesAMissingInterface() {
    var lo = DiscoveryConfig.loopback().resolveInterfaces();
    assertEquals("lo", lo.get(0).getName());
    var missing = new DiscoveryConfig(List.of("nosuch0"), 0, null, 1, null);
    var e = assertThrows(DiscoveryException.class, missing::resolveInterfaces);
    assertTrue(e.getMessage().startsWith("network interface nosuch0 does not exist (interfaces present: "),
        e.getMessage());
    var e2 = assertThrows(DiscoveryException.class, () -> UpnpNode.start(missing));
    assertEquals(e.getMessage(), e2.getMessage());
  }

  @Test
  void defaultInterfacesNeverIncludeLoopback() {
    for (var iface : DiscoveryConfig.defaultInterfaces()) {
      assertTrue(!iface.getName().equals("lo"), "lo is not a default interface");
    }
  }
}
