package dev.outpost.sensors.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.sensors.SensorContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cpu sensor on this machine's /proc/stat, and on a copy the test advances as the kernel would. */
class CpuSensorTest {
  @TempDir
  Path dir;

  @Test
  void theLoadIsTheBusyShareOfTheTicksSinceThePreviousRun() throws Exception {
    var stat = dir.resolve("stat");
    // user nice system idle iowait irq softirq steal guest guest_nice
    Files.writeString(stat, "cpu  1000 0 500 8000 500 0 0 0 0 0\ncpu0 1000 0 500 8000 500 0 0 0 0 0\nintr 1 2 3\n");
    var sensor = new CpuSensor(stat, Duration.ZERO);
    var context = SensorContext.of(dir);
    sensor.measure(context);

    // 400 ticks later: 200 user, 100 system, 60 idle, 40 iowait -> 300 of 400 busy
    Files.writeString(stat, "cpu  1200 0 600 8060 540 0 0 0 0 0\ncpu0 1200 0 600 8060 540 0 0 0 0 0\n");
    var reading = sensor.measure(context);

    assertEquals(75.0, reading.values().get("load"));
    assertEquals("%", reading.units().get("load"));
    assertNull(reading.state());
    assertTrue(reading.message().startsWith("load 75 %"), reading.message());
  }

  @Test
  void thisMachinesLoadIsAShareAndItsLoadAverageIsRead() throws Exception {
    var sensor = new CpuSensor(Path.of("/proc/stat"), Duration.ofMillis(200));
    var context = SensorContext.of(dir);
    // keep a core busy while sampling, so that a load stuck at 0 would show
    var spinning = new Thread(() -> {
      long end = System.nanoTime() + 400_000_000L;
      while (System.nanoTime() < end) {
        Thread.onSpinWait();
      }
    });
    spinning.start();
    var reading = sensor.measure(context);
    spinning.join();

    double load = reading.values().get("load");
    assertTrue(load > 0 && load <= 100, "load " + load);
    assertTrue(reading.values().get("loadAverage1") >= 0);
  }
}
