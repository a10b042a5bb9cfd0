package dev.outpost.sensors.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.Sensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file sensor against a real directory tree with known sizes and modification times. */
class FileSensorTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  @TempDir
  Path dir;
  @TempDir
  Path state;
  private Path backups;

  @BeforeEach
  void makeTree() throws Exception {
    backups = Files.createDirectory(dir.resolve("backups"));
    write(backups.resolve("monday.tar"), 1000, Duration.ofHours(30));
    write(backups.resolve("tuesday.tar"), 500, Duration.ofHours(6));
    write(backups.resolve("notes.txt"), 20, Duration.ofMinutes(1));
    var old = Files.createDirectory(backups.resolve("old"));
    write(old.resolve("sunday.tar"), 4000, Duration.ofDays(3));
    Files.setLastModifiedTime(backups, FileTime.from(NOW.minus(Duration.ofMinutes(1))));
  }

  private static void write(Path file, int bytes, Duration age) throws Exception {
    Files.write(file, new byte[bytes]);
    Files.setLastModifiedTime(file, FileTime.from(NOW.minus(age)));
  }

  private Reading measure(String path, String... more) throws Exception {
    var settings = new HashMap<>(Map.of("path", path));
    for (int i = 0; i < more.length; i += 2) {
      settings.put(more[i], more[i + 1]);
    }
    var config = new SensorConfig("files", "file", settings, 60, 5, Map.of());
    return Sensors.builtIn().create(config).measure(new SensorContext(state, Clock.fixed(NOW, ZoneOffset.UTC)));
  }

  @Test
  void aDirectoryGivesCountSizeAndTheAgesOfItsNewestAndOldestFile() throws Exception {
    var reading = measure(backups.toString());

    assertNull(reading.state());
    assertEquals(1.0, reading.values().get("exists"));
    assertEquals(3.0, reading.values().get("count"), "only the top level, files only");
    assertEquals(1520.0, reading.values().get("sizeBytes"));
    assertEquals(60.0, reading.values().get("ageSeconds"));
    assertEquals(30 * 3600.0, reading.values().get("oldestAgeSeconds"));
    assertEquals(backups + ": 3 files, 1.5 KiB, newest 1 min 0 s old", reading.message());
  }

  @Test
  void aPatternAndADepthSelectTheFiles() throws Exception {
    var tars = measure(backups.toString(), "pattern", "*.tar");
    var deeper = measure(backups.toString(), "pattern", "*.tar", "maxDepth", "2");
    var onlyOld = measure(backups.toString(), "pattern", "old/*.tar", "maxDepth", "2");

    assertEquals(2.0, tars.values().get("count"));
    assertEquals(1500.0, tars.values().get("sizeBytes"));
    assertEquals(6 * 3600.0, tars.values().get("ageSeconds"));
    assertEquals(3.0, deeper.values().get("count"));
    assertEquals(3 * 86400.0, deeper.values().get("oldestAgeSeconds"));
    assertEquals(1.0, onlyOld.values().get("count"));
    assertEquals(4000.0, onlyOld.values().get("sizeBytes"));
  }

  @Test
  void aDirectoryWithoutMatchingFilesGivesTheDirectorysOwnAge() throws Exception {
    var reading = measure(backups.toString(), "pattern", "*.zip");

    assertNull(reading.state());
    assertEquals(0.0, reading.values().get("count"));
    assertEquals(0.0, reading.values().get("sizeBytes"));
    assertEquals(60.0, reading.values().get("ageSeconds"));
    assertFalse(reading.values().containsKey("oldestAgeSeconds"));
  }

  @Test
  void aSingleFileGivesItsSizeAndAge() throws Exception {
    var reading = measure(backups.resolve("monday.tar").toString());

    assertEquals(Map.of("exists", 1.0, "sizeBytes", 1000.0, "count", 1.0, "ageSeconds", 30 * 3600.0), reading.values());
    assertEquals("s", reading.units().get("ageSeconds"));
    assertEquals("bytes", reading.units().get("sizeBytes"));
  }

  @Test
  void aMissingPathIsAnError() throws Exception {
    var missing = dir.resolve("nothing-here");
    var reading = measure(missing.toString());

    assertEquals(State.ERROR, reading.state());
    assertEquals(Map.of("exists", 0.0), reading.values());
    assertEquals("no such file or directory: " + missing, reading.message());
  }
}
