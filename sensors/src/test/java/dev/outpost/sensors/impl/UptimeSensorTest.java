package dev.outpost.sensors.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.Sensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The uptime sensor reading a /proc-like folder that the test writes as a kernel would, and
 * keeping its state in a real folder, so that reboots and restarts can be played through.
 */
class UptimeSensorTest {
  @TempDir
  Path proc;
  @TempDir
  Path stateDir;
  private final SteppingClock clock = new SteppingClock(Instant.parse("2026-03-01T12:00:00Z"));
  private SensorContext context;

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(proc.resolve("sys/kernel/random"));
    context = new SensorContext(stateDir, clock);
  }

  private void kernel(String bootId, double uptimeSeconds) throws Exception {
    Files.writeString(proc.resolve("uptime"), uptimeSeconds + " 1234.56\n");
    if (bootId != null) {
      Files.writeString(proc.resolve("sys/kernel/random/boot_id"), bootId + "\n");
    }
  }

  /** The time passes and the kernel's uptime with it. */
  private void passes(Duration duration, String bootId, double uptimeSeconds) throws Exception {
    clock.now = clock.now.plus(duration);
    kernel(bootId, uptimeSeconds);
  }

  @Test
  void aRebootIsReportedOnceAsWarningWithItsTime() throws Exception {
    var sensor = new UptimeSensor(proc, "up");
    kernel("boot-a", 1000.4);

    var first = sensor.measure(context);
    passes(Duration.ofMinutes(1), "boot-a", 1060.4);
    var second = sensor.measure(context);
    passes(Duration.ofMinutes(10), "boot-b", 30.2);
    var afterReboot = sensor.measure(context);
    passes(Duration.ofMinutes(1), "boot-b", 90.2);
    var next = sensor.measure(context);

    assertEquals(Map.of("uptimeSeconds", 1000.0, "rebooted", 0.0), first.values(), "nothing to compare the first run with");
    assertNull(first.state());
    assertEquals("up 16 min 40 s", first.message());
    assertEquals(0.0, second.values().get("rebooted"));
    assertEquals(State.WARNING, afterReboot.state());
    assertEquals(Map.of("uptimeSeconds", 30.0, "rebooted", 1.0), afterReboot.values());
    assertEquals("rebooted at 2026-03-01T12:10:30Z, up 30 s", afterReboot.message());
    assertEquals(0.0, next.values().get("rebooted"));
    assertNull(next.state());
  }

  @Test
  void theLastBootSurvivesARestartOfTheHub() throws Exception {
    kernel("boot-a", 500);
    new UptimeSensor(proc, "up").measure(context);

    passes(Duration.ofMinutes(5), "boot-a", 800);
    var sameBoot = new UptimeSensor(proc, "up").measure(context);
    passes(Duration.ofHours(2), "boot-b", 100);
    var afterReboot = new UptimeSensor(proc, "up").measure(context);

    assertEquals(0.0, sameBoot.values().get("rebooted"));
    assertEquals(1.0, afterReboot.values().get("rebooted"));
  }

  @Test
  void withoutABootIdAnUptimeThatWentBackIsAReboot() throws Exception {
    var sensor = new UptimeSensor(proc, "up");
    kernel(null, 7200);
    sensor.measure(context);

    passes(Duration.ofSeconds(30), null, 7230.5); // small clock drift is no reboot
    clock.now = clock.now.plusSeconds(20);
    var drifted = sensor.measure(context);
    passes(Duration.ofHours(3), null, 600);
    var rebooted = sensor.measure(context);

    assertEquals(0.0, drifted.values().get("rebooted"));
    assertEquals(1.0, rebooted.values().get("rebooted"));
    assertEquals(State.WARNING, rebooted.state());
  }

  @Test
  void thisMachinesUptimeIsRead() throws Exception {
    var config = new SensorConfig("uptime", "uptime", Map.of(), 60, 5, Map.of());
    var sensor = Sensors.builtIn().create(config);
    Reading reading = sensor.measure(SensorContext.of(stateDir));
    Reading again = sensor.measure(SensorContext.of(stateDir));

    assertTrue(reading.values().get("uptimeSeconds") > 0, reading.toString());
    assertEquals("s", reading.units().get("uptimeSeconds"));
    assertEquals(0.0, again.values().get("rebooted"));
    assertTrue(Files.exists(stateDir.resolve("uptime/uptime.properties")));
  }

  /** A clock the test moves. */
  private static final class SteppingClock extends Clock {
    Instant now;

    SteppingClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
