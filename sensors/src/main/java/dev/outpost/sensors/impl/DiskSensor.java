package dev.outpost.sensors.impl;

import dev.outpost.sensors.Reading;
import dev.outpost.sensors.Sensor;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code disk}: space on the filesystem that holds {@code path}. "Free" is what an ordinary user
 * may still write ({@link java.nio.file.FileStore#getUsableSpace()}), so blocks reserved for root
 * count as used. One sensor watches one filesystem; several filesystems take several sensors.
 */
final class DiskSensor implements Sensor {
  static final SensorType TYPE = SensorType.of("disk", config -> {
    var settings = new Settings(config, "path");
    return new DiskSensor(settings.path("path", "/"));
  });

  private final Path path;

  DiskSensor(Path path) {
    this.path = path;
  }

  @Override
  public Reading measure(SensorContext context) throws IOException {
    var store = Files.getFileStore(path);
    long total = store.getTotalSpace();
    long free = store.getUsableSpace();
    double percent = Quantities.percent(free, total);
    return Reading.of(store + ": " + Quantities.number(percent) + " % free (" + Quantities.bytes(free)
            + " of " + Quantities.bytes(total) + ")")
        .with("freePercent", percent, "%")
        .with("freeBytes", free, "bytes")
        .with("totalBytes", total, "bytes");
  }
}
