package dev.outpost.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DialerConfigTest {
  @Test
  void nullsTakeTheDefaults() {
    var config = DialerConfig.of("cloud.example.net");
    assertEquals(List.of(443, 5935, 80), config.ports());
    assertEquals(Duration.ofSeconds(5), config.connectTimeout());
    assertEquals(Duration.ofSeconds(30), config.requestTimeout());
    assertEquals(Duration.ofSeconds(1), config.backoffMin());
    assertEquals(Duration.ofSeconds(60), config.backoffMax());
    assertNull(config.proxy());
  }

  @Test
  void routesAreEachEndpointWithItsPortsInOrderAndAGivenPortPinsIt() {
    var config = new DialerConfig(List.of("a.example.net", "b.example.net:8443", "[2001:db8::1]"), List.of(443, 80),
        null, null, null, null, null);
    assertEquals(List.of("a.example.net:443", "a.example.net:80", "b.example.net:8443", "[2001:db8::1]:443",
        "[2001:db8::1]:80"), config.routes());
  }

  @Test
  void badValuesAreRefusedWithAMessageNamingThem() {
    assertMessage("endpoints", () -> new DialerConfig(List.of(), null, null, null, null, null, null));
    assertMessage("not a URL", () -> DialerConfig.of("https://cloud.example.net"));
    assertMessage("port must be 1–65535", () -> DialerConfig.of("cloud.example.net:0"));
    assertMessage("port must be 1–65535", () -> DialerConfig.of("cloud.example.net:http"));
    assertMessage("ports must be 1–65535", () -> new DialerConfig(List.of("a"), List.of(70000), null, null, null, null, null));
    assertMessage("ports must not be empty", () -> new DialerConfig(List.of("a"), List.of(), null, null, null, null, null));
    assertMessage("connectTimeout must be positive",
        () -> new DialerConfig(List.of("a"), null, null, Duration.ZERO, null, null, null));
    assertMessage("backoffMin", () -> new DialerConfig(List.of("a"), null, null, null, null, Duration.ofMinutes(2), null));
    assertMessage("proxy.password is required", () -> new ProxyConfig("proxy", 3128, "user", null));
    assertMessage("proxy.port", () -> new ProxyConfig("proxy", 0, null, null));
  }

  @Test
  void theProxyPasswordNeverShowsInText() {
    var proxy = new ProxyConfig("proxy.example.net", 3128, "outpost", "s3cret-pw");
    var config = DialerConfig.of("cloud.example.net").withProxy(proxy);
    assertFalse(proxy.toString().contains("s3cret-pw"), proxy.toString());
    assertFalse(config.toString().contains("s3cret-pw"), config.toString());
    assertTrue(proxy.toString().contains("user=outpost"));
  }

  @Test
  void bindsFromJsonWithDefaultsForWhatIsLeftOut() throws Exception {
    var mapper = JsonMapper.builder().addModule(new JavaTimeModule()).build();
    var config = mapper.readValue("""
        {"endpoints": ["cloud.example.net", "cloud2.example.net:5935"],
         "proxy": {"host": "proxy.lan", "port": 3128, "user": "u", "password": "p"},
         "connectTimeout": "PT2S"}
        """, DialerConfig.class);
    assertEquals(List.of("cloud.example.net", "cloud2.example.net:5935"), config.endpoints());
    assertEquals(DialerConfig.DEFAULT_PORTS, config.ports());
    assertEquals(Duration.ofSeconds(2), config.connectTimeout());
    assertEquals(DialerConfig.DEFAULT_REQUEST_TIMEOUT, config.requestTimeout());
    assertEquals(new ProxyConfig("proxy.lan", 3128, "u", "p"), config.proxy());
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable executable) {
    var e = assertThrows(IllegalArgumentException.class, executable);
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
  }
}
