package dev.outpost.hub.discovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.hub.discovery.SsdpGuard.Verdict;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The SSDP datagram checks, without sockets. */
class UpnpSsdpGuardTest {
  static final String UUID = "4faf01c4-be4a-39c7-b5bd-54e634f1e3f4";
  static final String CONNECTOR = DeviceTypes.CONNECTOR;
  static final InetAddress SOURCE = address("127.0.0.1");

  static InetAddress address(String a) {
    try {
      return InetAddress.getByName(a);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  static String alive(String nt, String usn, String location) {
    return "NOTIFY * HTTP/1.1\r\n"
        + "HOST: 239.255.255.250:1900\r\n"
        + "CACHE-CONTROL: max-age=1800\r\n"
        + "LOCATION: " + location + "\r\n"
        + "NT: " + nt + "\r\n"
        + "NTS: ssdp:alive\r\n"
        + "SERVER: Linux/6 UPnP/1.0 test/1\r\n"
        + "USN: " + usn + "\r\n"
        + "\r\n";
  }

  static String goodAlive() {
    return alive(CONNECTOR, "uuid:" + UUID + "::" + CONNECTOR, "http://127.0.0.1:40000/dev/" + UUID + "/desc");
  }

  static Verdict verdict(String text) {
    return verdict(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  static Verdict verdict(byte[] data) {
    return SsdpGuard.inspect(data, data.length, SOURCE, k -> false).verdict();
  }

  @Test
  void acceptsAnOutpostAliveAndHandsOnOnlyTheHeaders() {
    String msg = goodAlive();
    byte[] withBody = (msg + "trailing junk").getBytes(StandardCharsets.ISO_8859_1);
    var r = SsdpGuard.inspect(withBody, withBody.length, SOURCE, k -> false);
    assertEquals(Verdict.ACCEPT, r.verdict());
    assertArrayEquals(msg.getBytes(StandardCharsets.ISO_8859_1), r.clean());
  }

  @Test
  void acceptsByebyeSearchAndSearchResponse() {
    assertEquals(Verdict.ACCEPT, verdict("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: " + CONNECTOR
        + "\r\nNTS: ssdp:byebye\r\nUSN: uuid:" + UUID + "::" + CONNECTOR + "\r\n\r\n"));
    assertEquals(Verdict.ACCEPT, verdict("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
        + "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n"));
    assertEquals(Verdict.ACCEPT, verdict("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n"
        + "LOCATION: http://127.0.0.1:40000/dev/" + UUID + "/desc\r\nST: " + DeviceTypes.HUB + "\r\nUSN: uuid:" + UUID
        + "::" + DeviceTypes.HUB + "\r\n\r\n"));
    // LF-only line ends are tolerated
    assertEquals(Verdict.ACCEPT, verdict(goodAlive().replace("\r\n", "\n")));
  }

  @Test
  void otherVendorsDevicesAreIgnoredQuietly() {
    assertEquals(Verdict.IGNORED, verdict(alive("upnp:rootdevice", "uuid:" + UUID + "::upnp:rootdevice",
        "http://127.0.0.1:1/x")));
    assertEquals(Verdict.IGNORED, verdict(alive("urn:schemas-upnp-org:device:MediaServer:1",
        "uuid:" + UUID + "::urn:schemas-upnp-org:device:MediaServer:1", "http://10.0.0.9:80/")));
  }

  @Test
  void garbageAndBinaryAreMalformed() {
    assertEquals(Verdict.MALFORMED, verdict(new byte[0]));
    assertEquals(Verdict.MALFORMED, verdict("hello\r\n\r\n"));
    assertEquals(Verdict.MALFORMED, verdict("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertEquals(Verdict.MALFORMED, verdict("NOTIFY / HTTP/1.1\r\n\r\n"));
    assertEquals(Verdict.MALFORMED, verdict("HTTP/1.1 404 Not Found\r\n\r\n"));
    assertEquals(Verdict.MALFORMED, verdict(goodAlive().replace("NTS:", "NTS\0:")));
    var random = new Random(42);
    for (int i = 0; i < 200; i++) {
      byte[] junk = new byte[1 + random.nextInt(600)];
      random.nextBytes(junk);
      assertNotEquals(Verdict.ACCEPT, verdict(junk));
    }
  }

  @Test
  void everyTruncationOfAGoodMessageIsDropped() {
    byte[] full = goodAlive().getBytes(StandardCharsets.ISO_8859_1);
    for (int len = 1; len < full.length; len++) {
      var r = SsdpGuard.inspect(full, len, SOURCE, k -> false);
      assertNotEquals(Verdict.ACCEPT, r.verdict(), "prefix of " + len + " bytes");
    }
    assertEquals(Verdict.TRUNCATED, SsdpGuard.inspect(full, full.length - 2, SOURCE, k -> false).verdict());
  }

  @Test
  void oversizedIsDropped() {
    String big = goodAlive().replace("SERVER: ", "X-PAD: " + "a".repeat(600) + "\r\nSERVER: ");
    assertEquals(Verdict.MALFORMED, verdict(big), "line too long");
    byte[] huge = new byte[SsdpGuard.MAX_DATAGRAM_BYTES + 1];
    java.util.Arrays.fill(huge, (byte) 'a');
    assertEquals(Verdict.OVERSIZED, verdict(huge));
    var many = new StringBuilder("NOTIFY * HTTP/1.1\r\n");
    for (int i = 0; i < 40; i++) {
      many.append("X-").append(i).append(": 1\r\n");
    }
    assertEquals(Verdict.MALFORMED, verdict(many + "\r\n"));
  }

  @Test
  void contradictionsAndMissingHeadersAreMalformed() {
    // USN names another type, or no UUID
    assertEquals(Verdict.MALFORMED, verdict(alive(CONNECTOR, "uuid:" + UUID + "::" + DeviceTypes.HUB,
        "http://127.0.0.1:40000/dev/" + UUID + "/desc")));
    assertEquals(Verdict.MALFORMED, verdict(alive(CONNECTOR, "uuid:not-a-uuid::" + CONNECTOR,
        "http://127.0.0.1:40000/dev/not-a-uuid/desc")));
    // unknown Outpost type
    assertEquals(Verdict.MALFORMED, verdict(alive("urn:outpost-dev:device:toaster:1",
        "uuid:" + UUID + "::urn:outpost-dev:device:toaster:1", "http://127.0.0.1:40000/dev/" + UUID + "/desc")));
    // header twice
    assertEquals(Verdict.MALFORMED, verdict(goodAlive().replace("NTS: ssdp:alive\r\n",
        "NTS: ssdp:alive\r\nNTS: ssdp:byebye\r\n")));
    // no or bad max-age
    assertEquals(Verdict.MALFORMED, verdict(goodAlive().replace("CACHE-CONTROL: max-age=1800\r\n", "")));
    assertEquals(Verdict.MALFORMED, verdict(goodAlive().replace("max-age=1800", "max-age=0")));
    assertEquals(Verdict.MALFORMED, verdict(goodAlive().replace("max-age=1800", "max-age=x")));
    // LOCATION not http://IPv4:port/dev/UUID/desc
    for (String loc : new String[] {"https://127.0.0.1:1/dev/" + UUID + "/desc", "http://localhost:1/dev/" + UUID
        + "/desc", "http://127.0.0.1/dev/" + UUID + "/desc", "http://127.0.0.1:1/etc/passwd",
        "http://u:p@127.0.0.1:1/dev/" + UUID + "/desc", "http://127.0.0.1:1/dev/" + UUID + "/desc?x=1",
        "not a url"}) {
      assertEquals(Verdict.MALFORMED, verdict(alive(CONNECTOR, "uuid:" + UUID + "::" + CONNECTOR, loc)), loc);
    }
    // M-SEARCH without MAN, with a bad MX
    assertEquals(Verdict.MALFORMED, verdict("M-SEARCH * HTTP/1.1\r\nMX: 1\r\nST: ssdp:all\r\n\r\n"));
    assertEquals(Verdict.MALFORMED, verdict("M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nMX: -1\r\n"
        + "ST: ssdp:all\r\n\r\n"));
    // folded header
    assertEquals(Verdict.MALFORMED, verdict(goodAlive().replace("NTS: ssdp:alive\r\n", "NTS: ssdp:alive\r\n  x\r\n")));
  }

  @Test
  void aLocationOnAnotherHostIsSpoofed() {
    assertEquals(Verdict.SPOOFED, verdict(alive(CONNECTOR, "uuid:" + UUID + "::" + CONNECTOR,
        "http://127.0.0.2:40000/dev/" + UUID + "/desc")));
    assertEquals(Verdict.SPOOFED, verdict(alive(CONNECTOR, "uuid:" + UUID + "::" + CONNECTOR,
        "http://192.168.1.10:40000/dev/" + UUID + "/desc")));
  }

  @Test
  void onlySourcesOnTheReceivingInterfacesSubnetsCount() throws Exception {
    var lo = Subnets.of(java.net.NetworkInterface.getByName("lo"));
    assertTrue(lo.contains(address("127.0.0.1")));
    assertTrue(lo.contains(address("127.9.8.7")), "127.0.0.0/8");
    assertFalse(lo.contains(address("192.0.2.2")));
    assertFalse(lo.contains(address("::1")), "IPv4 only");
  }

  @Test
  void aRecentlyBrokenDescriptionIsNotFetchedAgain() {
    byte[] msg = goodAlive().getBytes(StandardCharsets.ISO_8859_1);
    var r = SsdpGuard.inspect(msg, msg.length, SOURCE, key -> key.equals("127.0.0.1:40000/dev/" + UUID + "/desc"));
    assertEquals(Verdict.SUPPRESSED, r.verdict());
  }

  @Test
  void admitCountsRateLimitsAndLogsRarely() {
    var now = new AtomicLong();
    var guard = new SsdpGuard(new RateLimitedLog(LoggerFactory.getLogger("test"), 1_000_000_000L, now::get),
        new TokenBucket(10, 20, now::get));
    byte[] good = goodAlive().getBytes(StandardCharsets.ISO_8859_1);
    int accepted = 0;
    for (int i = 0; i < 100; i++) {
      if (guard.admit(good, good.length, SOURCE, 1900) != null) {
        accepted++;
      }
    }
    assertEquals(20, accepted, "the burst");
    assertEquals(80, guard.stats().flooded());
    now.addAndGet(1_000_000_000L); // one second: 10 more
    for (int i = 0; i < 100; i++) {
      guard.admit(good, good.length, SOURCE, 1900);
    }
    assertEquals(30, guard.stats().accepted());
    byte[] bad = "junk\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    assertNull(guard.admit(bad, bad.length, SOURCE, 1900));
    assertEquals(1, guard.stats().malformed());
    assertEquals(1 + 170, guard.stats().dropped());
  }

  @Test
  void rateLimitedLogSaysOncePerPeriodAndCountsTheRest() {
    var now = new AtomicLong();
    var log = new RateLimitedLog(LoggerFactory.getLogger("test"), 1_000, now::get);
    assertTrue(log.warn("k", "first"));
    assertFalse(log.warn("k", "second"));
    assertFalse(log.warn("k", "third"));
    assertTrue(log.warn("other", "another key is separate"));
    now.addAndGet(1_000);
    assertTrue(log.warn("k", "fourth, with 2 left out"));
    assertFalse(log.info("k", "fifth"));
  }
}
