package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The role's log file in DATA/logs: written, rolled over by size, gzipped, capped. */
class LogFilesTest {
  @TempDir
  Path data;

  @AfterEach
  void stop() {
    LogFiles.stop();
  }

  @Test
  void aRoleLogsToItsOwnFileWhichRollsOverAtItsSizeAndStaysWithinItsCap() throws IOException {
    var settings = new ServiceSettings.Logs("info", "2KB", 1, "6KB");
    Path file = LogFiles.start(data, "hub", settings).orElseThrow();
    assertEquals(data.resolve("logs").resolve("hub.log"), file);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));

    var log = LoggerFactory.getLogger("rotation-test");
    for (int i = 0; i < 400; i++) {
      log.info("line {} of a log that outgrows its file {}", i, "x".repeat(40));
    }
    log.debug("debug is below the configured level");
    await("rolled files").atMost(Duration.ofSeconds(10)).until(() -> rolled(file.getParent()) >= 1);
    String current = Files.readString(file);
    assertTrue(current.contains("line 399 of a log"), current);
    assertTrue(!current.contains("debug is below"), "debug lines are not written at level info");
    // the newest lines are in the file, older ones in gzipped rolled files, the oldest deleted by the cap
    await("the cap to delete the oldest rolled files").atMost(Duration.ofSeconds(10))
        .until(() -> rolledBytes(file.getParent()) <= 6 * 1024 + 2 * 1024);
  }

  @Test
  void anotherDataFolderTakesOverTheFile() throws IOException {
    LogFiles.start(data.resolve("a"), "relay", ServiceSettings.Logs.DEFAULTS);
    LoggerFactory.getLogger("switch-test").info("to the first file");
    LogFiles.start(data.resolve("b"), "relay", ServiceSettings.Logs.DEFAULTS);
    LoggerFactory.getLogger("switch-test").info("to the second file");
    LogFiles.stop();
    assertTrue(Files.readString(data.resolve("a/logs/relay.log")).contains("to the first file"));
    assertTrue(!Files.readString(data.resolve("a/logs/relay.log")).contains("to the second file"));
    assertTrue(Files.readString(data.resolve("b/logs/relay.log")).contains("to the second file"));
  }

  private static long rolled(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".log.gz")).count();
    }
  }

  private static long rolledBytes(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".log.gz")).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
