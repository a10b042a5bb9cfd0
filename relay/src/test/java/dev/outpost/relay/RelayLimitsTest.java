package dev.outpost.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.RelayWire;
import dev.outpost.relay.TestRelay.End;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Bandwidth limits, measured with generous bounds: they must hold roughly, not to the millisecond. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayLimitsTest {
  private static final int MB = 1_000_000;

  @TempDir
  Path dir;
  private TestRelay site;

  @AfterEach
  void tearDown() {
    if (site != null) {
      site.close();
    }
  }

  @Test
  void aSessionsBandwidthHoldsRoughly() throws Exception {
    site = new TestRelay(dir, c -> c);
    var operator = site.machine("operator");
    var device = site.machine("device");
    var limited = site.pair("s-limited", operator, device, 2 * MB);
    var free = site.pair("s-free", operator, device, 0);

    double freeSeconds = transfer(free, MB);
    double limitedSeconds = transfer(limited, MB);

    // 1 MB at 2 MB/s, less the burst of a tenth of a second: at least 0.4 s
    assertTrue(limitedSeconds >= 0.35, "1 MB at 2 MB/s took " + limitedSeconds + " s");
    assertTrue(limitedSeconds < 5, "1 MB at 2 MB/s took " + limitedSeconds + " s");
    assertTrue(freeSeconds < limitedSeconds, "unlimited " + freeSeconds + " s, limited " + limitedSeconds + " s");
  }

  @Test
  void bytesHeldBackByTheLimitStillArriveWhenTheirSenderHasClosed() throws Exception {
    site = new TestRelay(dir, c -> c);
    var ends = site.pair("s-close", site.machine("operator"), site.machine("device"), 2 * MB);
    byte[] data = RelayPairingTest.data(MB, 7);

    ends[0].out.write(data);
    ends[0].out.flush();
    ends[0].close();

    assertArrayEquals(data, ends[1].readExactly(MB));
    assertTrue(ends[1].closedWithin(Duration.ofSeconds(5)), "the device's end is closed after the last byte");
    await().atMost(Duration.ofSeconds(5)).until(() -> site.record("s-close") != null);
    assertEquals(EndReason.OPERATOR_CLOSED, site.record("s-close").reason());
    assertEquals(MB, site.record("s-close").bytesOperatorToDevice());
  }

  /**
   * All of it fits in the sockets' buffers, so the relay sees the sender's close while the limit
   * holds most of the bytes back: the close must wait behind them.
   */
  @Test
  void aCloseRightBehindTheBytesWaitsForThem() throws Exception {
    site = new TestRelay(dir, c -> c);
    int size = 256 * 1024;
    var ends = site.pair("s-behind", site.machine("operator"), site.machine("device"), 512 * 1024);
    byte[] data = RelayPairingTest.data(size, 11);

    ends[0].out.write(data);
    ends[0].out.flush();
    ends[0].close();

    assertArrayEquals(data, ends[1].readExactly(size));
    assertTrue(ends[1].closedWithin(Duration.ofSeconds(5)), "the device's end is closed after the last byte");
    await().atMost(Duration.ofSeconds(5)).until(() -> site.record("s-behind") != null);
    assertEquals(size, site.record("s-behind").bytesOperatorToDevice());
  }

  @Test
  void aTicketCannotGetMoreThanTheRelaysSessionLimit() throws Exception {
    site = new TestRelay(dir, c -> c.withLimits(null, 2L * MB, null));
    var ends = site.pair("s1", site.machine("operator"), site.machine("device"), 100L * MB);

    double seconds = transfer(ends, MB);

    assertTrue(seconds >= 0.35, "1 MB at 2 MB/s took " + seconds + " s");
  }

  @Test
  void theTotalBandwidthHoldsAcrossSessions() throws Exception {
    site = new TestRelay(dir, c -> c.withLimits(null, null, 2L * MB));
    var operator = site.machine("operator");
    var device = site.machine("device");
    var a = site.pair("s-a", operator, device, 0);
    var b = site.pair("s-b", operator, device, 0);

    long start = System.nanoTime();
    var both = CompletableFuture.allOf(
        CompletableFuture.runAsync(() -> transferUnchecked(a, MB)),
        CompletableFuture.runAsync(() -> transferUnchecked(b, MB)));
    await().atMost(Duration.ofSeconds(10)).until(() -> site.relay.load().bytesPerSecond() > 0);
    both.get(30, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;

    // 2 MB at 2 MB/s in total, less one burst: at least 0.9 s
    assertTrue(seconds >= 0.8, "2 MB at 2 MB/s in total took " + seconds + " s");
    assertTrue(seconds < 10, "2 MB at 2 MB/s in total took " + seconds + " s");
    long rate = site.relay.load().bytesPerSecond();
    assertTrue(rate < 4L * MB, "the load reports " + rate + " bytes/s");
  }

  @Test
  void loadReportsSessionsWaitingAndCapacity() throws Exception {
    site = new TestRelay(dir, c -> c.withLimits(5, null, null));
    var operator = site.machine("operator");
    var device = site.machine("device");
    site.pair("s1", operator, device, 0);
    String token = RelayWire.newToken();
    site.expect("s2", token, operator, device, 0);
    assertEquals(RelayWire.WAIT, site.connect(operator).join(token).readLine());

    var load = site.relay.load();

    assertEquals(new RelayLoad(1, 1, 5, load.bytesPerSecond()), load);
  }

  /** Sends {@code bytes} from the operator to the device, checks them, and returns the seconds it took. */
  private static double transfer(End[] ends, int bytes) throws Exception {
    byte[] data = RelayPairingTest.data(bytes, bytes);
    long start = System.nanoTime();
    var writing = CompletableFuture.runAsync(() -> {
      try {
        ends[0].out.write(data);
        ends[0].out.flush();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    byte[] got = ends[1].readExactly(bytes);
    double seconds = (System.nanoTime() - start) / 1e9;
    writing.get(10, TimeUnit.SECONDS);
    assertArrayEquals(data, got);
    return seconds;
  }

  private static void transferUnchecked(End[] ends, int bytes) {
    try {
      transfer(ends, bytes);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
