package dev.outpost.sensors.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Threshold;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorRunner;
import dev.outpost.sensors.Sensors;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk sensor on real filesystems: the one of a temporary folder, and a 5 MiB tmpfs filled by the test (as root). */
class DiskSensorTest {
  @TempDir
  Path dir;

  private Reading measure(Path path) throws Exception {
    var config = new SensorConfig("disk", "disk", Map.of("path", path.toString()), 60, 5, Map.of());
    return Sensors.builtIn().create(config).measure(SensorContext.of(dir));
  }

  @Test
  void theFilesystemOfAFolderIsMeasured() throws Exception {
    var store = Files.getFileStore(dir);
    var reading = measure(dir);

    assertEquals((double) store.getTotalSpace(), reading.values().get("totalBytes"));
    double free = reading.values().get("freeBytes");
    assertTrue(free > 0 && free <= store.getTotalSpace());
    assertEquals(free / store.getTotalSpace() * 100, reading.values().get("freePercent"), 0.5);
    assertTrue(reading.message().startsWith(store + ": "), reading.message());
  }

  @Test
  void aFillingFilesystemLosesFreeSpace() throws Exception {
    var mount = Files.createDirectory(dir.resolve("small"));
    mountTmpfs(mount);
    try {
      var empty = measure(mount);
      Files.write(mount.resolve("ballast"), new byte[4 * 1024 * 1024]);
      var full = measure(mount);

      assertEquals(5 * 1024 * 1024.0, empty.values().get("totalBytes"));
      assertEquals(100.0, empty.values().get("freePercent"));
      assertEquals(1024 * 1024.0, full.values().get("freeBytes"));
      assertEquals(20.0, full.values().get("freePercent"));

      var config = new SensorConfig("disk", "disk", Map.of("path", mount.toString()), 60, 5,
          Map.of("freePercent", new Threshold(null, null, 50.0, 25.0)));
      try (var runner = new SensorRunner(SensorContext.of(dir), 1)) {
        var measurement = runner.run(config, Sensors.builtIn().create(config)).get(5, TimeUnit.SECONDS);
        assertEquals(State.ERROR, measurement.state());
        assertTrue(measurement.message().endsWith("freePercent 20 % is below 25 % (ERROR)"), measurement.message());
      }
    } finally {
      new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor();
    }
  }

  @Test
  void aMissingPathFailsTheRun() {
    var e = assertThrows(NoSuchFileException.class, () -> measure(dir.resolve("gone")));
    assertTrue(e.getMessage().endsWith("gone"));
  }

  private static void mountTmpfs(Path mount) throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
    var mounting = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=5m", "tmpfs", mount.toString())
        .redirectErrorStream(true).start();
    var output = new String(mounting.getInputStream().readAllBytes());
    Assumptions.assumeTrue(mounting.waitFor() == 0, "cannot mount a tmpfs here: " + output);
  }
}
