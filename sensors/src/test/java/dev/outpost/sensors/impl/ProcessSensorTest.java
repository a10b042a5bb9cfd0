package dev.outpost.sensors.impl;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.Sensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process sensor against real child processes: copies of {@code sleep} under names no other process has. */
class ProcessSensorTest {
  @TempDir
  Path dir;
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void stopChildren() {
    children.forEach(Process::destroyForcibly);
  }

  private Reading measure(String name) throws Exception {
    var config = new SensorConfig("proc", "process", Map.of("name", name), 60, 5, Map.of());
    return Sensors.builtIn().create(config).measure(SensorContext.of(dir));
  }

  /** A copy of sleep whose file name is unique to this test. */
  private Path uniqueSleeper() throws Exception {
    var copy = dir.resolve("outpost-sleeper-" + UUID.randomUUID().toString().substring(0, 8));
    Files.copy(Path.of("/usr/bin/sleep"), copy);
    copy.toFile().setExecutable(true);
    return copy;
  }

  private Process start(String... command) throws Exception {
    var process = new ProcessBuilder(command).start();
    children.add(process);
    return process;
  }

  @Test
  void aRunningExecutableIsFoundByItsFileNameAndCounted() throws Exception {
    var sleeper = uniqueSleeper();
    var name = sleeper.getFileName().toString();
    var first = start(sleeper.toString(), "30");
    start(sleeper.toString(), "31");

    await().atMost(5, SECONDS).until(() -> measure(name).values().get("count") == 2.0);
    var reading = measure(name);
    assertNull(reading.state());
    assertEquals(1.0, reading.values().get("running"));
    assertEquals("2 processes match '" + name + "'", reading.message());

    first.destroy();
    first.waitFor();
    assertEquals(1.0, measure(name).values().get("count"));
  }

  @Test
  void aProcessIsFoundByPartOfItsCommandLine() throws Exception {
    var sleeper = uniqueSleeper();
    var argument = "29." + (System.nanoTime() % 1_000_000);
    start(sleeper.toString(), argument);

    await().atMost(5, SECONDS).until(() -> measure(argument).values().get("running") == 1.0);
  }

  @Test
  void aStoppedProcessIsAnError() throws Exception {
    var sleeper = uniqueSleeper();
    var name = sleeper.getFileName().toString();
    var process = start(sleeper.toString(), "30");
    await().atMost(5, SECONDS).until(() -> measure(name).values().get("running") == 1.0);

    process.destroy();
    process.waitFor();
    var reading = measure(name);

    assertEquals(State.ERROR, reading.state());
    assertEquals(Map.of("running", 0.0, "count", 0.0), reading.values());
    assertEquals("no process matches '" + name + "'", reading.message());
  }
}
