package dev.outpost.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.RelayWire;
import dev.outpost.relay.TestRelay.End;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayPairingTest {
  @TempDir
  Path dir;
  private TestRelay site;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void tearDown() {
    threads.shutdownNow();
    if (site != null) {
      site.close();
    }
  }

  @Test
  void pairedEndsExchangeLargeTransfersBothWaysUnchanged() throws Exception {
    site = new TestRelay(dir, c -> c);
    var ends = site.pair("s-large", site.machine("operator"), site.machine("device"), 0);
    byte[] toDevice = data(8 << 20, 1);
    byte[] toOperator = data(6 << 20, 2);

    var deviceGot = readAsync(ends[1], toDevice.length);
    var operatorGot = readAsync(ends[0], toOperator.length);
    var sent = CompletableFuture.allOf(writeAsync(ends[0], toDevice), writeAsync(ends[1], toOperator));

    sent.get(60, TimeUnit.SECONDS);
    assertArrayEquals(sha256(toDevice), sha256(deviceGot.get(60, TimeUnit.SECONDS)));
    assertArrayEquals(sha256(toOperator), sha256(operatorGot.get(60, TimeUnit.SECONDS)));
  }

  @Test
  void pingAnswersPongWithPairedSessionsAndCapacityAgainAndAgain() throws Exception {
    site = new TestRelay(dir, c -> c.withLimits(7, null, null));
    try (var pinger = site.connectWithoutCertificate()) {
      assertEquals("PONG 0 7", pinger.send(RelayWire.PING).readLine());

      site.pair("s-ping", site.machine("operator"), site.machine("device"), 0);

      for (int i = 0; i < 3; i++) {
        assertEquals("PONG 1 7", pinger.send(RelayWire.PING).readLine());
      }
    }
  }

  @Test
  void anEndThatArrivesBeforeItsTicketIsPairedOnceTheTicketComes() throws Exception {
    site = new TestRelay(dir, c -> c);
    var operator = site.machine("operator");
    var device = site.machine("device");
    String token = RelayWire.newToken();
    var operatorEnd = site.connect(operator).join(token);
    operatorEnd.socket.setSoTimeout(300);
    assertThrows(java.net.SocketTimeoutException.class, operatorEnd::readLine,
        "no refusal while the access server's ticket may still be on its way");
    operatorEnd.socket.setSoTimeout(20_000);

    site.expect("s-late", token, operator, device, 0);
    assertEquals(RelayWire.WAIT, operatorEnd.readLine());
    var deviceEnd = site.connect(device).join(token);
    assertEquals(RelayWire.WAIT, deviceEnd.readLine());
    assertEquals(RelayWire.PAIRED, operatorEnd.readLine());
    assertEquals(RelayWire.PAIRED, deviceEnd.readLine());
    byte[] data = data(10_000, 5);
    operatorEnd.out.write(data);
    operatorEnd.out.flush();
    assertArrayEquals(data, deviceEnd.readExactly(data.length));
  }

  @Test
  void theRecordCountsTheBytesEachWayAndSaysWhichEndClosed() throws Exception {
    site = new TestRelay(dir, c -> c);
    var ends = site.pair("s-audit", site.machine("operator"), site.machine("device"), 0);
    byte[] toDevice = data(100_000, 3);
    byte[] toOperator = data(54_321, 4);

    ends[0].out.write(toDevice);
    ends[0].out.flush();
    ends[1].out.write(toOperator);
    ends[1].out.flush();
    assertArrayEquals(toDevice, ends[1].readExactly(toDevice.length));
    assertArrayEquals(toOperator, ends[0].readExactly(toOperator.length));
    assertNull(site.record("s-audit"), "no record while the session runs");
    ends[0].close();

    assertTrue(ends[1].closedWithin(Duration.ofSeconds(5)), "the device's end is closed after the operator's");
    await().atMost(Duration.ofSeconds(5)).until(() -> site.record("s-audit") != null);
    var record = site.record("s-audit");
    assertEquals(EndReason.OPERATOR_CLOSED, record.reason());
    assertEquals(100_000, record.bytesOperatorToDevice());
    assertEquals(54_321, record.bytesDeviceToOperator());
    assertNotNull(record.startedAt());
    assertNotNull(record.pairedAt());
    assertFalse(record.endedAt().isBefore(record.pairedAt()));
    assertEquals(0, site.relay.load().sessions());
  }

  @Test
  void bytesSentRightAfterTheJoinLineArriveAfterPaired() throws Exception {
    site = new TestRelay(dir, c -> c);
    var operator = site.machine("operator");
    var device = site.machine("device");
    String token = RelayWire.newToken();
    site.expect("s-early", token, operator, device, 0);

    var operatorEnd = site.connect(operator).send(RelayWire.join(token) + "\nhello from the operator");
    assertEquals(RelayWire.WAIT, operatorEnd.readLine());
    var deviceEnd = site.connect(device).join(token);

    assertEquals(RelayWire.WAIT, deviceEnd.readLine());
    assertEquals(RelayWire.PAIRED, deviceEnd.readLine());
    assertEquals("hello from the operator", deviceEnd.readLine());
    assertEquals(RelayWire.PAIRED, operatorEnd.readLine());
  }

  @Test
  void endClosesBothEndsWithinOneSecondEvenIfOneStopsReading() throws Exception {
    site = new TestRelay(dir, c -> c);
    var ends = site.pair("s-end", site.machine("operator"), site.machine("device"), 0);
    // the device never reads: the operator's writes pile up at the relay until it stops reading
    var stuck = threads.submit(() -> {
      var chunk = new byte[64 * 1024];
      try {
        while (true) {
          ends[0].out.write(chunk);
        }
      } catch (IOException e) {
        return e;
      }
    });
    // bytes flowed, and by now the device's side of the relay is full
    await().atMost(Duration.ofSeconds(10)).until(() -> site.relay.load().bytesPerSecond() > 0);

    long start = System.nanoTime();
    assertTrue(site.relay.end("s-end", "support access turned off").await());

    await().atMost(Duration.ofSeconds(1)).until(() -> site.record("s-end") != null);
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() <= 1000);
    var record = site.record("s-end");
    assertEquals(EndReason.ENDED, record.reason());
    assertEquals("support access turned off", record.detail());
    assertTrue(ends[1].closedWithin(Duration.ofSeconds(2)));
    assertTrue(ends[0].closedWithin(Duration.ofSeconds(2)));
    assertNotNull(stuck.get(2, TimeUnit.SECONDS), "the operator's writes fail once the relay has closed");
    assertFalse(site.relay.end("s-end", "again").await(), "an ended session cannot be ended again");
  }

  @Test
  void endOfAWaitingSessionTellsTheWaitingEnd() throws Exception {
    site = new TestRelay(dir, c -> c);
    var operator = site.machine("operator");
    String token = RelayWire.newToken();
    site.expect("s-wait-end", token, operator, site.machine("device"), 0);
    var operatorEnd = site.connect(operator).join(token);
    assertEquals(RelayWire.WAIT, operatorEnd.readLine());

    assertTrue(site.relay.end("s-wait-end", "user revoked").await());

    assertEquals(RelayWire.ERR_ENDED, operatorEnd.readLine());
    assertTrue(operatorEnd.closedWithin(Duration.ofSeconds(1)));
    await().atMost(Duration.ofSeconds(1)).until(() -> site.record("s-wait-end") != null);
    assertNull(site.record("s-wait-end").pairedAt());
    assertEquals(0, site.relay.load().waiting());
  }

  @Test
  void aWaitingEndThatLeavesMayJoinAgain() throws Exception {
    site = new TestRelay(dir, c -> c);
    var operator = site.machine("operator");
    var device = site.machine("device");
    String token = RelayWire.newToken();
    site.expect("s-rejoin", token, operator, device, 0);
    var first = site.connect(operator).join(token);
    assertEquals(RelayWire.WAIT, first.readLine());
    first.close();
    await().atMost(Duration.ofSeconds(2)).until(() -> site.relay.load().waiting() == 0);

    var second = site.connect(operator).join(token);
    assertEquals(RelayWire.WAIT, second.readLine());
    var deviceEnd = site.connect(device).join(token);

    assertEquals(RelayWire.WAIT, deviceEnd.readLine());
    assertEquals(RelayWire.PAIRED, deviceEnd.readLine());
    assertEquals(RelayWire.PAIRED, second.readLine());
  }

  @Test
  void aSilentPairedSessionIsClosedAfterTheIdleTimeout() throws Exception {
    site = new TestRelay(dir, c -> c.withTimeouts(null, null, Duration.ofMillis(800)));
    var ends = site.pair("s-idle", site.machine("operator"), site.machine("device"), 0);
    ends[0].out.write(new byte[1000]);
    ends[0].out.flush();
    ends[1].readExactly(1000);

    assertTrue(ends[0].closedWithin(Duration.ofSeconds(5)));
    assertTrue(ends[1].closedWithin(Duration.ofSeconds(2)));
    await().atMost(Duration.ofSeconds(2)).until(() -> site.record("s-idle") != null);
    assertEquals(EndReason.IDLE, site.record("s-idle").reason());
    assertEquals(1000, site.record("s-idle").bytesOperatorToDevice());
  }

  @Test
  void sixtyConcurrentSessionsPairAndTransferCorrectly() throws Exception {
    site = new TestRelay(dir, c -> c);
    int sessions = 60;
    int size = 256 * 1024;
    var operator = site.machine("operator");
    var device = site.machine("device");
    var tokens = new ArrayList<String>();
    for (int i = 0; i < sessions; i++) {
      String token = RelayWire.newToken();
      site.expect("s-" + i, token, operator, device, 0);
      tokens.add(token);
    }

    var results = new ArrayList<CompletableFuture<Boolean>>();
    for (int i = 0; i < sessions; i++) {
      int n = i;
      results.add(CompletableFuture.supplyAsync(() -> end(operator, tokens.get(n), data(size, 1000 + n),
          data(size / 2, 2000 + n)), threads));
      results.add(CompletableFuture.supplyAsync(() -> end(device, tokens.get(n), data(size / 2, 2000 + n),
          data(size, 1000 + n)), threads));
    }

    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
    for (var result : results) {
      assertTrue(result.get(), "every end got exactly what the other sent");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> site.records.size() == sessions);
    for (var record : site.records) {
      assertEquals(size, record.bytesOperatorToDevice(), record.sessionId());
      assertEquals(size / 2, record.bytesDeviceToOperator(), record.sessionId());
    }
    assertEquals(0, site.relay.load().sessions());
  }

  /** One end of a session: joins, sends and receives at once, checks, and closes after both. */
  private boolean end(TestRelay.Identity identity, String token, byte[] send, byte[] expect) {
    try (var end = site.connect(identity).join(token)) {
      if (!RelayWire.WAIT.equals(end.readLine()) || !RelayWire.PAIRED.equals(end.readLine())) {
        return false;
      }
      var writing = writeAsync(end, send);
      byte[] got = end.readExactly(expect.length);
      writing.get(60, TimeUnit.SECONDS);
      return MessageDigest.isEqual(sha256(expect), sha256(got));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private CompletableFuture<Void> writeAsync(End end, byte[] bytes) {
    return CompletableFuture.runAsync(() -> {
      try {
        for (int offset = 0; offset < bytes.length; offset += 32 * 1024) {
          end.out.write(bytes, offset, Math.min(32 * 1024, bytes.length - offset));
        }
        end.out.flush();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, threads);
  }

  private CompletableFuture<byte[]> readAsync(End end, int length) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return end.readExactly(length);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, threads);
  }

  static byte[] data(int length, long seed) {
    var bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
