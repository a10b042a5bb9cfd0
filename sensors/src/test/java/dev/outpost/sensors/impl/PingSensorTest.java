package dev.outpost.sensors.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.SensorConfig;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.Sensors;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ping sensor against the loopback address (tests send nothing beyond 127.0.0.1, so the
 * unanswered case is not exercised here).
 */
class PingSensorTest {
  @TempDir
  Path dir;

  @Test
  void theLoopbackAddressAnswersWithARoundTripTime() throws Exception {
    var config = new SensorConfig("lo", "ping", Map.of("host", "127.0.0.1", "timeoutMs", "2000"), 60, 5, Map.of());

    var reading = Sensors.builtIn().create(config).measure(SensorContext.of(dir));

    assertNull(reading.state());
    assertEquals(1.0, reading.values().get("reachable"));
    assertTrue(reading.values().get("rttMs") >= 0 && reading.values().get("rttMs") < 2000, reading.toString());
    assertEquals("ms", reading.units().get("rttMs"));
    assertTrue(reading.message().startsWith("127.0.0.1 answered in "), reading.message());
  }
}
