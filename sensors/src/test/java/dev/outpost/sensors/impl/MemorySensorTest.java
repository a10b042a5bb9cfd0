package dev.outpost.sensors.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.SensorConfig;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.Sensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory sensor on this machine, and on meminfo files as Linux writes them. */
class MemorySensorTest {
  @TempDir
  Path dir;

  @Test
  void usedIsTotalMinusAvailable() throws Exception {
    var meminfo = Files.writeString(dir.resolve("meminfo"), """
        MemTotal:        8000000 kB
        MemFree:          500000 kB
        MemAvailable:    2000000 kB
        Buffers:          100000 kB
        Cached:          1200000 kB
        HugePages_Total:       0
        """);

    var reading = new MemorySensor(meminfo).measure(SensorContext.of(dir));

    assertEquals(75.0, reading.values().get("usedPercent"));
    assertEquals(6_000_000 * 1024.0, reading.values().get("usedBytes"));
    assertEquals(2_000_000 * 1024.0, reading.values().get("availableBytes"));
    assertEquals(8_000_000 * 1024.0, reading.values().get("totalBytes"));
    assertEquals("bytes", reading.units().get("usedBytes"));
    assertEquals("75 % used (5.7 GiB of 7.6 GiB)", reading.message());
  }

  @Test
  void oldKernelsWithoutMemAvailableCountFreeBuffersAndCache() throws Exception {
    var meminfo = Files.writeString(dir.resolve("meminfo"),
        "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n");

    var reading = new MemorySensor(meminfo).measure(SensorContext.of(dir));

    assertEquals(60.0, reading.values().get("usedPercent"));
  }

  @Test
  void thisMachinesMemoryIsRead() throws Exception {
    var config = new SensorConfig("memory", "memory", Map.of(), 60, 5, Map.of());
    var reading = Sensors.builtIn().create(config).measure(SensorContext.of(dir));

    double total = reading.values().get("totalBytes");
    assertTrue(total > 64 * 1024 * 1024, "total " + total);
    assertTrue(reading.values().get("usedBytes") > 0 && reading.values().get("usedBytes") <= total);
    double percent = reading.values().get("usedPercent");
    assertEquals(reading.values().get("usedBytes") / total * 100, percent, 0.01);
  }
}
