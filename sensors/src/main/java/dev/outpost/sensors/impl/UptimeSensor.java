package dev.outpost.sensors.impl;

import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.Sensor;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorType;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

/**
 * {@code uptime}: seconds since the machine booted, from {@code /proc/uptime} (Linux), and reboot
 * detection. The boot seen last is kept in the state folder, so a reboot is reported once, also
 * when the hub itself restarted with the machine. A reboot is a changed kernel boot id
 * ({@code /proc/sys/kernel/random/boot_id}); where there is none, an uptime that went backwards or
 * a boot time that moved forward by more than a minute (smaller moves are clock corrections).
 */
final class UptimeSensor implements Sensor {
  static final SensorType TYPE = SensorType.of("uptime", config -> {
    new Settings(config);
    return new UptimeSensor(Path.of("/proc"), config.id());
  });

  static final Duration BOOT_TIME_TOLERANCE = Duration.ofMinutes(1);

  private final Path proc;
  private final String sensorId;

  UptimeSensor(Path proc, String sensorId) {
    this.proc = proc;
    this.sensorId = sensorId;
  }

  @Override
  public synchronized Reading measure(SensorContext context) throws IOException {
    var uptimeFile = proc.resolve("uptime");
    if (!Files.isReadable(uptimeFile)) {
      throw new IOException("uptime is read from " + uptimeFile + ", which this system does not have");
    }
    double uptime = parseUptime(uptimeFile);
    var now = context.clock().instant();
    var bootTime = Instant.ofEpochSecond(Math.round((now.toEpochMilli() - uptime * 1000) / 1000));
    var boot = new Boot(bootId(), bootTime, uptime);

    var stateFile = context.stateDir().resolve("uptime").resolve(sensorId + ".properties");
    var last = Boot.load(stateFile);
    boot.save(stateFile);

    boolean rebooted = last != null && boot.isAfter(last);
    double seconds = Math.floor(uptime);
    var reading = Reading.of((rebooted ? "rebooted at " + boot.time + ", " : "") + "up " + Quantities.duration(Duration.ofSeconds((long) seconds)))
        .with("uptimeSeconds", seconds, "s")
        .with("rebooted", rebooted ? 1 : 0);
    return rebooted ? reading.withState(State.WARNING) : reading;
  }

  private static double parseUptime(Path file) throws IOException {
    var text = Files.readString(file).trim();
    try {
      return Double.parseDouble(text.split("\\s+")[0]);
    } catch (NumberFormatException e) {
      throw new IOException("unreadable uptime in " + file + ": " + text);
    }
  }

  private String bootId() throws IOException {
    var file = proc.resolve("sys/kernel/random/boot_id");
    return Files.isReadable(file) ? Files.readString(file).trim() : "";
  }

  /** One boot of the machine as a run saw it. An empty id means the system has none. */
  record Boot(String id, Instant time, double uptimeSeconds) {

    boolean isAfter(Boot last) {
      if (!id.isEmpty() && !last.id.isEmpty()) {
        return !id.equals(last.id);
      }
      return uptimeSeconds < last.uptimeSeconds
          || Duration.between(last.time, time).compareTo(BOOT_TIME_TOLERANCE) > 0;
    }

    static Boot load(Path file) throws IOException {
      if (!Files.exists(file)) {
        return null;
      }
      var properties = new Properties();
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        properties.load(in);
        return new Boot(properties.getProperty("bootId", ""), Instant.parse(properties.getProperty("bootTime")),
            Double.parseDouble(properties.getProperty("uptimeSeconds")));
      } catch (RuntimeException e) {
        return null; // a damaged file: start over as on the first run
      }
    }

    void save(Path file) throws IOException {
      var properties = new Properties();
      properties.setProperty("bootId", id);
      properties.setProperty("bootTime", time.toString());
      properties.setProperty("uptimeSeconds", Double.toString(uptimeSeconds));
      Files.createDirectories(file.getParent());
      var temporary = file.resolveSibling(file.getFileName() + ".tmp");
      try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
        properties.store(out, "last boot seen by the uptime sensor");
      }
      try {
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
