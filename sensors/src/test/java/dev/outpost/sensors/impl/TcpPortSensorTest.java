package dev.outpost.sensors.impl;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorRunner;
import dev.outpost.sensors.Sensors;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tcp-port sensor against real sockets on 127.0.0.1. */
class TcpPortSensorTest {
  @TempDir
  Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeSockets() throws Exception {
    for (var closeable : open) {
      closeable.close();
    }
  }

  private static SensorConfig config(int port, String... more) {
    var settings = new java.util.HashMap<>(Map.of("host", "127.0.0.1", "port", String.valueOf(port)));
    for (int i = 0; i < more.length; i += 2) {
      settings.put(more[i], more[i + 1]);
    }
    return new SensorConfig("port", "tcp-port", settings, 60, 1, Map.of());
  }

  private Reading measure(SensorConfig config) throws Exception {
    return Sensors.builtIn().create(config).measure(SensorContext.of(dir));
  }

  /** A port whose accept queue is full: the kernel drops further connection attempts, which then go unanswered. */
  private int unansweredPort() throws Exception {
    var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    open.add(server);
    // backlog 1 holds two connections; more attempts are never answered
    for (int i = 0; i < 2; i++) {
      var client = SocketChannel.open(server.getLocalSocketAddress());
      open.add(client);
    }
    return server.getLocalPort();
  }

  @Test
  void aListeningPortIsOpenWithItsConnectTime() throws Exception {
    try (var server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      var reading = measure(config(server.getLocalPort()));

      assertNull(reading.state());
      assertEquals(1.0, reading.values().get("open"));
      assertTrue(reading.values().get("connectMs") >= 0);
      assertEquals("ms", reading.units().get("connectMs"));
      assertTrue(reading.message().startsWith("127.0.0.1:" + server.getLocalPort() + " open, connected in "), reading.message());
    }
  }

  @Test
  void aClosedPortIsRefused() throws Exception {
    int port;
    try (var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = server.getLocalPort();
    }
    var reading = measure(config(port));

    assertEquals(State.ERROR, reading.state());
    assertEquals(Map.of("open", 0.0), reading.values());
    assertEquals("connection refused: 127.0.0.1:" + port, reading.message());
  }

  @Test
  void anUnansweredPortTimesOutAfterConnectTimeoutMs() throws Exception {
    int port = unansweredPort();

    var reading = measure(config(port, "connectTimeoutMs", "300"));

    assertEquals(State.ERROR, reading.state());
    assertEquals(0.0, reading.values().get("open"));
    assertEquals("no answer within 300 ms: 127.0.0.1:" + port, reading.message());
  }

  @Test
  void aConnectOutlivingTheSensorTimeoutIsCutOffAndFreesItsThread() throws Exception {
    int port = unansweredPort();
    var config = config(port, "connectTimeoutMs", "60000");
    var sensor = Sensors.builtIn().create(config);

    try (var runner = new SensorRunner(SensorContext.of(dir), 1)) {
      var first = runner.run(config, sensor);
      await().atMost(3, SECONDS).until(first::isDone);
      assertEquals("timed out after 1 s", first.join().message());

      // the interrupt ended the connect, so the next run is not refused as "still running"
      await().atMost(3, SECONDS).until(() -> {
        var next = runner.run(config, sensor);
        await().atMost(3, SECONDS).until(next::isDone);
        return !next.join().message().startsWith("previous run still running");
      });
      assertFalse(Thread.currentThread().isInterrupted());
    }
  }
}
