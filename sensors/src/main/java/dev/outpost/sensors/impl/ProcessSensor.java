package dev.outpost.sensors.impl;

import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.Sensor;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorType;
import java.util.Locale;

/**
 * {@code process}: whether a process runs. A process matches when its executable's file name is
 * {@code name} (on Windows also without {@code .exe}, ignoring case) or when its command line
 * contains {@code name}. The hub's own process never counts. No match is ERROR.
 */
final class ProcessSensor implements Sensor {
  static final SensorType TYPE = SensorType.of("process", config -> {
    var settings = new Settings(config, "name");
    return new ProcessSensor(settings.required("name"));
  });

  private final String name;

  ProcessSensor(String name) {
    this.name = name;
  }

  @Override
  public Reading measure(SensorContext context) throws InterruptedException {
    long self = ProcessHandle.current().pid();
    int count = 0;
    for (var process : (Iterable<ProcessHandle>) ProcessHandle.allProcesses()::iterator) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      if (process.pid() != self && process.isAlive() && matches(process.info())) {
        count++;
      }
    }
    var reading = Reading.of(count == 0 ? "no process matches '" + name + "'"
            : count + (count == 1 ? " process matches '" : " processes match '") + name + "'")
        .with("running", count > 0 ? 1 : 0)
        .with("count", count);
    return count == 0 ? reading.withState(State.ERROR) : reading;
  }

  private boolean matches(ProcessHandle.Info info) {
    var command = info.command();
    if (command.isPresent()) {
      var path = command.get();
      var fileName = path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
      if (fileName.equals(name) || fileName.equalsIgnoreCase(name + ".exe")
          || fileName.toLowerCase(Locale.ROOT).endsWith(".exe") && fileName.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return info.commandLine().map(line -> line.contains(name)).orElse(false);
  }
}
