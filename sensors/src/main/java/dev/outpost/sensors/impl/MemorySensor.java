package dev.outpost.sensors.impl;

import dev.outpost.sensors.Reading;
import dev.outpost.sensors.Sensor;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorType;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code memory}: physical memory in use. On Linux "used" is {@code MemTotal - MemAvailable} from
 * {@code /proc/meminfo} (page cache that can be dropped counts as available); elsewhere total minus
 * free from the JVM's operating-system bean.
 */
final class MemorySensor implements Sensor {
  static final SensorType TYPE = SensorType.of("memory", config -> {
    new Settings(config);
    return new MemorySensor(Path.of("/proc/meminfo"));
  });

  private final Path procMeminfo;

  MemorySensor(Path procMeminfo) {
    this.procMeminfo = procMeminfo;
  }

  @Override
  public Reading measure(SensorContext context) throws IOException {
    long total;
    long available;
    if (Files.isReadable(procMeminfo)) {
      var kib = meminfo(procMeminfo);
      if (!kib.containsKey("MemTotal")) {
        throw new IOException("no MemTotal in " + procMeminfo);
      }
      total = kib.get("MemTotal") * 1024;
      available = 1024 * (kib.containsKey("MemAvailable") ? kib.get("MemAvailable")
          : kib.getOrDefault("MemFree", 0L) + kib.getOrDefault("Buffers", 0L) + kib.getOrDefault("Cached", 0L));
    } else {
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      total = os.getTotalMemorySize();
      available = os.getFreeMemorySize();
    }
    long used = Math.max(0, total - available);
    double percent = Quantities.percent(used, total);
    return Reading.of(Quantities.number(percent) + " % used (" + Quantities.bytes(used) + " of " + Quantities.bytes(total) + ")")
        .with("usedPercent", percent, "%")
        .with("usedBytes", used, "bytes")
        .with("availableBytes", available, "bytes")
        .with("totalBytes", total, "bytes");
  }

  /** The lines "Name:   123 kB" of /proc/meminfo, in KiB. */
  private static Map<String, Long> meminfo(Path file) throws IOException {
    var values = new HashMap<String, Long>();
    for (var line : Files.readAllLines(file)) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      var number = line.substring(colon + 1).trim().split("\\s+")[0];
      try {
        values.put(line.substring(0, colon), Long.parseLong(number));
      } catch (NumberFormatException e) {
        // a line we do not need
      }
    }
    return values;
  }
}
