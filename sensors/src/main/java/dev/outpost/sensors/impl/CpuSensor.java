package dev.outpost.sensors.impl;

import dev.outpost.sensors.Reading;
import dev.outpost.sensors.Sensor;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorType;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code cpu}: the machine's CPU load in percent since the previous run (so over the interval), from
 * {@code /proc/stat} on Linux and the JVM's operating-system bean elsewhere; the first run samples
 * for one second. Also the one-minute load average where the system has one.
 */
final class CpuSensor implements Sensor {
  static final SensorType TYPE = SensorType.of("cpu", config -> {
    new Settings(config);
    return new CpuSensor(Path.of("/proc/stat"), Duration.ofSeconds(1));
  });

  private final Path procStat;
  private final Duration firstSample;
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private Ticks previous;

  CpuSensor(Path procStat, Duration firstSample) {
    this.procStat = procStat;
    this.firstSample = firstSample;
  }

  @Override
  public synchronized Reading measure(SensorContext context) throws IOException, InterruptedException {
    double load = Files.isReadable(procStat) ? loadFromProcStat() : loadFromBean();
    var reading = Reading.of("load " + Quantities.number(load) + " %").with("load", load, "%");
    double average = os.getSystemLoadAverage();
    if (average >= 0) {
      average = Math.round(average * 100) / 100.0;
      reading = reading.with("loadAverage1", average).withMessage(reading.message() + ", load average " + Quantities.number(average));
    }
    return reading;
  }

  private double loadFromProcStat() throws IOException, InterruptedException {
    var before = previous;
    if (before == null) {
      before = Ticks.read(procStat);
      Thread.sleep(firstSample.toMillis());
    }
    var now = Ticks.read(procStat);
    previous = now;
    long total = now.total - before.total;
    long idle = now.idle - before.idle;
    return total <= 0 ? 0 : Quantities.percent(total - idle, total);
  }

  private double loadFromBean() throws IOException, InterruptedException {
    double load = os.getCpuLoad();
    if (load < 0) {
      Thread.sleep(firstSample.toMillis());
      load = os.getCpuLoad();
    }
    if (load < 0) {
      throw new IOException("the CPU load is not available on this system");
    }
    return Math.round(load * 10_000) / 100.0;
  }

  /** Cumulative CPU time of all cores from the first line of /proc/stat, in clock ticks. */
  record Ticks(long total, long idle) {
    static Ticks read(Path procStat) throws IOException {
      try (var lines = Files.lines(procStat)) {
        var line = lines.filter(l -> l.startsWith("cpu ")).findFirst()
            .orElseThrow(() -> new IOException("no cpu line in " + procStat));
        var fields = line.trim().split("\\s+");
        // user nice system idle iowait irq softirq steal (guest and guest_nice are part of user and nice)
        long total = 0;
        for (int i = 1; i < Math.min(fields.length, 9); i++) {
          total += Long.parseLong(fields[i]);
        }
        long idle = Long.parseLong(fields[4]) + (fields.length > 5 ? Long.parseLong(fields[5]) : 0);
        return new Ticks(total, idle);
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        throw new IOException("unreadable cpu line in " + procStat + ": " + e.getMessage());
      }
    }
  }
}
