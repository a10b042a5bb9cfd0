package dev.outpost.transport.session;

import static dev.outpost.transport.session.TunnelSite.DEVICE_UID;
import static dev.outpost.transport.session.TunnelSite.OPERATOR_UID;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.crypto.MachineKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final int MIB = 1024 * 1024;

  private final TunnelSite site = new TunnelSite();

  /** Writes everything on another thread, closes the output (FIN), and reads until the other side's FIN. */
  private static byte[] roundTrip(SessionStream stream, byte[] data) throws Exception {
    var writer = CompletableFuture.runAsync(() -> {
      try {
        stream.output().write(data);
        stream.output().close();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, task -> CapturingForwarder.daemon("test-writer-" + stream.id(), task));
    var back = stream.input().readAllBytes();
    writer.get(30, TimeUnit.SECONDS);
    return back;
  }

  @Test
  void bothEndsKnowWhoTheOtherIsAndSpeakTls13() throws Exception {
    try (var tunnel = site.pairing().connect().requireUp()) {
      assertEquals(DEVICE_UID, tunnel.operator.peer().uid());
      assertEquals(DeviceSession.ROLE, tunnel.operator.peer().role());
      assertEquals(MachineKeys.fingerprint(site.deviceKeys.getPublic()), tunnel.operator.peer().fingerprint());
      assertEquals(OPERATOR_UID, tunnel.device.peer().uid());
      assertEquals(OperatorSession.ROLE, tunnel.device.peer().role());
      assertEquals(MachineKeys.fingerprint(site.operatorKeys.getPublic()), tunnel.device.peer().fingerprint());
      var hello = tunnel.relay.towardsTarget();
      assertEquals(0x16, hello[0], "the relay sees a TLS handshake record first");
    }
  }

  @Test
  void manyConcurrentStreamsCarryMegabytesIntactBothWays() throws Exception {
    var deviceEvents = new Events();
    var pairing = site.pairing();
    pairing.deviceListener = deviceEvents;
    int streams = 8;
    int size = 2 * MIB;
    try (var echo = new Targets.Echo(); var tunnel = pairing.connect().requireUp()) {
      long start = System.nanoTime();
      var results = new ArrayList<CompletableFuture<String>>();
      for (int i = 0; i < streams; i++) {
        var data = Targets.data(size, i);
        results.add(CompletableFuture.supplyAsync(() -> {
          try (var stream = tunnel.operator.openStream(echo.hostPort())) {
            var back = roundTrip(stream, data);
            assertEquals(size, stream.bytesSent());
            assertEquals(size, stream.bytesReceived());
            return Targets.sha256(back);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }, task -> CapturingForwarder.daemon("test-stream", task)));
      }
      for (int i = 0; i < streams; i++) {
        assertEquals(Targets.sha256(Targets.data(size, i)), results.get(i).get(30, TimeUnit.SECONDS),
            "stream " + i + " came back intact");
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("tunnel: %d streams x %d MiB each way in %.2f s = %.1f MB/s of payload each way%n",
          streams, size / MIB, seconds, streams * (double) size / MIB / seconds);

      assertEquals((long) streams * size, tunnel.operator.bytesSent());
      assertEquals((long) streams * size, tunnel.operator.bytesReceived());
      assertEquals((long) streams * size, tunnel.device.bytesReceived());
      assertEquals((long) streams * size, tunnel.device.bytesSent());
      assertEquals(streams, echo.accepted.get());
      await().atMost(Duration.ofSeconds(5)).until(() -> deviceEvents.closed.size() == streams);
      assertEquals(streams, deviceEvents.opened.size());
      for (var event : deviceEvents.closed) {
        assertEquals(echo.hostPort(), event.target());
        assertEquals("closed", event.reason());
        assertEquals(size, event.bytesSent());
        assertEquals(size, event.bytesReceived());
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> tunnel.operator.openStreams() == 0
          && tunnel.device.openStreams() == 0);
    }
  }

  /**
   * Frames reuse their payload arrays: a short write after a full one goes in an array that still
   * holds the full one's bytes. Only its own bytes may arrive, in both directions.
   */
  @Test
  void writesOfEverySizeArriveExactlyThoughTheirFramesReuseArrays() throws Exception {
    int[] sizes = {65_536, 1, 65_535, 100, 65_536, 65_536, 3, 200_000, 7};
    var sent = new java.io.ByteArrayOutputStream();
    try (var echo = new Targets.Echo(); var tunnel = site.pairing().connect().requireUp();
         var stream = tunnel.operator.openStream(echo.hostPort())) {
      var writer = CompletableFuture.runAsync(() -> {
        try {
          for (int i = 0; i < sizes.length; i++) {
            var chunk = new byte[sizes[i]];
            java.util.Arrays.fill(chunk, (byte) (i + 1));
            stream.output().write(chunk);
            sent.write(chunk);
          }
          stream.output().close();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, task -> CapturingForwarder.daemon("test-writer", task));
      var back = stream.input().readAllBytes();
      writer.get(30, TimeUnit.SECONDS);

      assertArrayEquals(sent.toByteArray(), back);
      assertEquals(sent.size(), stream.bytesReceived());
    }
  }

  @Test
  void theRelayOnlySeesCiphertext() throws Exception {
    var marker = "OUTPOST-PLAINTEXT-MARKER-4f1c-never-in-the-relay".getBytes(StandardCharsets.US_ASCII);
    var payload = new byte[marker.length * 20_000];
    for (int at = 0; at < payload.length; at += marker.length) {
      System.arraycopy(marker, 0, payload, at, marker.length);
    }
    try (var echo = new Targets.Echo()) {
      try (var tunnel = site.pairing().connect().requireUp(); var stream = tunnel.operator.openStream(echo.hostPort())) {
        assertArrayEquals(payload, roundTrip(stream, payload));

        var up = tunnel.relay.towardsTarget();
        var down = tunnel.relay.fromTarget();
        assertTrue(up.length >= payload.length && down.length >= payload.length,
            "the capture holds all the traffic: " + up.length + " and " + down.length + " bytes for "
                + payload.length + " bytes each way");
        assertEquals(0x16, up[0], "starts with a TLS handshake record");
        assertFalse(Targets.contains(up, marker), "plaintext towards the device");
        assertFalse(Targets.contains(down, marker), "plaintext towards the operator");
        assertFalse(Targets.contains(up, OPERATOR_UID.getBytes(StandardCharsets.US_ASCII)),
            "TLS 1.3 hides the operator's certificate from the relay");
        assertFalse(Targets.contains(down, DEVICE_UID.getBytes(StandardCharsets.US_ASCII)),
            "TLS 1.3 hides the device's certificate from the relay");
      }
      // the same capture and search do find plaintext that is not tunnelled
      try (var plain = new CapturingForwarder(echo.server.getLocalSocketAddress());
           var socket = new Socket(LOOPBACK, plain.port())) {
        socket.getOutputStream().write(marker);
        socket.shutdownOutput();
        assertArrayEquals(marker, socket.getInputStream().readAllBytes());
        assertTrue(Targets.contains(plain.towardsTarget(), marker));
        assertTrue(Targets.contains(plain.fromTarget(), marker));
      }
    }
  }

  @Test
  void anHttpClientWorksThroughTheTunnel() throws Exception {
    var body = Targets.data(3 * MIB, 42);
    var http = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
    http.createContext("/big", exchange -> {
      exchange.sendResponseHeaders(200, body.length);
      try (var out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    http.createContext("/echo", exchange -> {
      var in = exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, in.length);
      try (var out = exchange.getResponseBody()) {
        out.write(in);
      }
    });
    http.start();
    var target = "127.0.0.1:" + http.getAddress().getPort();
    var deviceEvents = new Events();
    var pairing = site.pairing();
    pairing.deviceListener = deviceEvents;
    try (var tunnel = pairing.connect().requireUp(); var local = new ServerSocket(0, 50, LOOPBACK)) {
      // what `outpost session open --listen` does: each local connection becomes a stream
      CapturingForwarder.daemon("test-listen", () -> {
        while (!local.isClosed()) {
          try {
            var accepted = local.accept();
            CapturingForwarder.daemon("test-pipe", () -> {
              try {
                tunnel.operator.openStream(target).pipe(accepted);
              } catch (IOException | SessionException e) {
                CapturingForwarder.quietly(accepted);
              }
            });
          } catch (IOException e) {
            return;
          }
        }
      });
      var client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      var base = "http://127.0.0.1:" + local.getLocalPort();
      for (int i = 0; i < 3; i++) {
        var response = client.send(HttpRequest.newBuilder(URI.create(base + "/big")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals(Targets.sha256(body), Targets.sha256(response.body()));
      }
      var upload = Targets.data(512 * 1024, 9);
      var echoed = client.send(HttpRequest.newBuilder(URI.create(base + "/echo"))
          .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertArrayEquals(upload, echoed.body());
      assertFalse(deviceEvents.opened.isEmpty());
      assertTrue(deviceEvents.opened.stream().allMatch(event -> target.equals(event.target())));
    } finally {
      http.stop(0);
    }
  }

  @Test
  void aTargetOutsideThePolicyIsRefusedWithTheDevicesReasonAndTheSessionStaysUsable() throws Exception {
    var deviceEvents = new Events();
    var operatorEvents = new Events();
    try (var allowed = new Targets.Echo(); var forbidden = new Targets.Echo()) {
      var pairing = site.pairing();
      pairing.policy = TargetPolicy.only(List.of(allowed.hostPort()));
      pairing.deviceListener = deviceEvents;
      pairing.operatorListener = operatorEvents;
      try (var tunnel = pairing.connect().requireUp()) {
        var refused = assertThrows(StreamRefusedException.class,
            () -> tunnel.operator.openStream(forbidden.hostPort()));

        var reason = forbidden.hostPort() + " is not allowed by this site's policy";
        assertEquals(reason, refused.reason());
        assertEquals(forbidden.hostPort(), refused.target());
        assertEquals(0, forbidden.accepted.get(), "the device never connected it");
        var event = new StreamEvent(1, forbidden.hostPort(), 0, 0, reason);
        await().atMost(Duration.ofSeconds(5)).until(() -> List.of(event).equals(deviceEvents.refused)
            && List.of(event).equals(operatorEvents.refused));
        assertTrue(tunnel.operator.isOpen() && tunnel.device.isOpen());
        try (var stream = tunnel.operator.openStream(allowed.hostPort())) {
          assertArrayEquals("still usable".getBytes(), roundTrip(stream, "still usable".getBytes()));
        }
        assertThrows(IllegalArgumentException.class, () -> tunnel.operator.openStream("no-port-here"));
        assertTrue(tunnel.operator.isOpen());
      }
    }
  }

  @Test
  void aTargetThatCannotBeReachedIsRefusedWithTheConnectError() throws Exception {
    int closedPort;
    try (var probe = new ServerSocket(0, 1, LOOPBACK)) {
      closedPort = probe.getLocalPort();
    }
    try (var tunnel = site.pairing().connect().requireUp()) {
      var refused = assertThrows(StreamRefusedException.class,
          () -> tunnel.operator.openStream("127.0.0.1:" + closedPort));
      assertTrue(refused.reason().startsWith("cannot connect to 127.0.0.1:" + closedPort + " (127.0.0.1): "),
          refused.reason());
      assertTrue(tunnel.operator.isOpen());
    }
  }

  @Test
  void aSlowReaderOnOneStreamDoesNotStallAnother() throws Exception {
    int window = 64 * 1024;
    int slowSize = 32 * MIB;
    try (var source = new Targets.Source(slowSize, 7); var echo = new Targets.Echo();
         var tunnel = site.pairing().options(TunnelSite.FAST.withWindow(window)).connect().requireUp()) {
      var slow = tunnel.operator.openStream(source.hostPort());
      await().atMost(Duration.ofSeconds(10)).until(() -> slow.input().available() == window);

      var fast = tunnel.operator.openStream(echo.hostPort());
      var data = Targets.data(4 * MIB, 3);
      assertEquals(Targets.sha256(data), Targets.sha256(roundTrip(fast, data)),
          "another stream moves 4 MiB each way while the first is not read");

      assertEquals(window, slow.input().available(), "the unread stream holds exactly one window here");
      assertTrue(source.written.get() < slowSize, "its target is held back: " + source.written.get() + " bytes written");
      assertEquals(Targets.sha256(Targets.data(slowSize, 7)), Targets.sha256(slow.input().readAllBytes()),
          "once read, all of it arrives intact");
    }
  }

  @Test
  void anIdleSessionIsClosedOnBothEndsWhileTrafficKeepsItOpen() throws Exception {
    var idle = Duration.ofMillis(600);
    var options = TunnelSite.FAST.withIdleTimeout(idle).withKeepaliveInterval(Duration.ofMillis(100));
    var deviceEvents = new Events();
    var pairing = site.pairing().options(options);
    pairing.deviceListener = deviceEvents;
    try (var echo = new Targets.Echo(); var tunnel = pairing.connect().requireUp()) {
      var stream = tunnel.operator.openStream(echo.hostPort());
      await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
          .until(() -> {
            stream.output().write('x');
            return stream.input().read() == 'x' && tunnel.operator.isOpen() && tunnel.device.isOpen();
          });

      await().atMost(Duration.ofSeconds(5)).until(() -> !tunnel.operator.isOpen() && !tunnel.device.isOpen());
      var reason = "idle for 600 ms without stream traffic";
      assertTrue(tunnel.operator.closeReason().orElseThrow().endsWith(reason), tunnel.operator.closeReason().get());
      assertTrue(tunnel.device.closeReason().orElseThrow().endsWith(reason), tunnel.device.closeReason().get());
      var failure = assertThrows(IOException.class, () -> stream.input().read());
      assertTrue(failure.getMessage().contains("session ended"), failure.getMessage());
      await().atMost(Duration.ofSeconds(5)).until(() -> echo.ended.get() == 1);
      assertTrue(deviceEvents.closed.get(0).reason().startsWith("session ended: "), deviceEvents.closed.toString());
    }
  }

  @Test
  void closingTheOperatorEndEndsTheDeviceEndAndEveryStream() throws Exception {
    var deviceEvents = new Events();
    var pairing = site.pairing();
    pairing.deviceListener = deviceEvents;
    try (var echo = new Targets.Echo(); var tunnel = pairing.connect().requireUp()) {
      var a = tunnel.operator.openStream(echo.hostPort());
      var b = tunnel.operator.openStream(echo.hostPort());
      a.output().write('a');
      assertEquals('a', a.input().read());

      tunnel.operator.close();

      assertEquals("closed on request", tunnel.operator.closeReason().orElseThrow());
      await().atMost(Duration.ofSeconds(5)).until(() -> !tunnel.device.isOpen());
      var reason = "the operator end closed the session: closed on request";
      assertEquals(reason, tunnel.device.closeReason().orElseThrow());
      await().atMost(Duration.ofSeconds(5)).until(() -> reason.equals(deviceEvents.sessionClosed.get()));
      assertEquals(2, deviceEvents.closed.size());
      assertTrue(deviceEvents.closed.stream().allMatch(event -> ("session ended: " + reason).equals(event.reason())));
      assertEquals(1, deviceEvents.closed.stream().filter(event -> event.bytesReceived() == 1).count());
      await().atMost(Duration.ofSeconds(5)).until(() -> echo.ended.get() == 2);
      assertThrows(IOException.class, () -> b.input().read());
      assertThrows(IOException.class, () -> b.output().write(1));
      assertThrows(SessionException.class, () -> tunnel.operator.openStream(echo.hostPort()));
      assertEquals(0, tunnel.operator.openStreams());
      assertEquals(0, tunnel.device.openStreams());
      var prefixes = List.of(threadPrefix(tunnel.operator), threadPrefix(tunnel.device));
      await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
          .noneMatch(thread -> prefixes.stream().anyMatch(thread.getName()::startsWith)));
    }
  }

  /** Every thread of a session is named after it: "outpost-session-N-side-…". */
  private static String threadPrefix(Session session) {
    var name = session.toString();
    assertTrue(name.startsWith("outpost-session-"), name);
    return name.substring(0, name.indexOf('(')) + "-";
  }

  @Test
  void closingTheDeviceEndEndsTheOperatorEnd() throws Exception {
    try (var echo = new Targets.Echo(); var tunnel = site.pairing().connect().requireUp()) {
      var stream = tunnel.operator.openStream(echo.hostPort());

      tunnel.device.close();

      await().atMost(Duration.ofSeconds(5)).until(() -> !tunnel.operator.isOpen());
      assertEquals("the device end closed the session: closed on request", tunnel.operator.closeReason().get());
      var failure = assertThrows(IOException.class, () -> stream.input().read());
      assertTrue(failure.getMessage().contains("the device end closed the session"), failure.getMessage());
    }
  }

  @Test
  void aRelayThatDropsTheConnectionEndsBothEnds() throws Exception {
    try (var echo = new Targets.Echo(); var tunnel = site.pairing().connect().requireUp()) {
      var stream = tunnel.operator.openStream(echo.hostPort());

      tunnel.relay.cut();

      await().atMost(Duration.ofSeconds(5)).until(() -> !tunnel.operator.isOpen() && !tunnel.device.isOpen());
      assertThrows(IOException.class, () -> stream.input().read());
      await().atMost(Duration.ofSeconds(5)).until(() -> echo.ended.get() == 1);
    }
  }
}
