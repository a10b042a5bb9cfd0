package dev.outpost.cli.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One role of Outpost as a separate JVM, started from the real jar as an admin starts it
 * ({@code java -jar outpost.jar ROLE --config FILE}). Everything the process prints goes to one log
 * file that outlives restarts; the harness writes a marker line before every start, stop and kill.
 */
final class RoleProcess {
  /** What {@code RoleRunner} prints once the role has started. */
  private static final String RUNNING = " running; Ctrl-C stops it.";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** A clean stop (outbox or database closed, Vert.x closed) takes a few seconds at most. */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC");

  private final String role;
  private final Path jar;
  private final Path config;
  private final Path log;
  private Process process;
  private long startedAt;
  private int starts;

  RoleProcess(String role, Path jar, Path config, Path log) {
    this.role = role;
    this.jar = jar;
    this.config = config;
    this.log = log;
  }

  String role() {
    return role;
  }

  Path log() {
    return log;
  }

  /** Starts the role and waits until it says it runs (its start future completed). */
  void start() {
    if (isAlive()) {
      throw new IllegalStateException(role + " runs already");
    }
    starts++;
    mark("starting " + role + " (start " + starts + ")");
    startedAt = size();
    var command = new ArrayList<String>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-jar", jar.toString(), role, "--config", config.toString()));
    try {
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + role, e);
    }
    await("the " + role + " to start").atMost(START_TIMEOUT)
        .failFast(role + " exited during its start", () -> !process.isAlive())
        .until(() -> logSinceStart().contains(role + RUNNING));
  }

  /**
   * Stops the role cleanly with SIGTERM, as a service manager does, and waits until its clean stop
   * has completed and the JVM exited.
   */
  void stop() {
    if (!isAlive()) {
      throw new IllegalStateException(role + " is not running");
    }
    mark("stopping " + role + " (SIGTERM)");
    process.destroy();
    await("the " + role + " to stop cleanly").atMost(STOP_TIMEOUT).until(() -> !process.isAlive());
    mark(role + " stopped, exit code " + process.exitValue());
  }

  /** Kills the role with SIGKILL ({@code kill -9}), as a crash or the OOM killer would. */
  void kill() {
    if (!isAlive()) {
      throw new IllegalStateException(role + " is not running");
    }
    mark("killing " + role + " (SIGKILL, pid " + process.pid() + ")");
    killProcess();
    mark(role + " killed, exit code " + process.exitValue());
  }

  /** Ends the process whatever state it is in; for clean-up after a test. */
  void destroy() {
    if (isAlive()) {
      mark("ending " + role + " after the test (SIGKILL)");
      killProcess();
    }
  }

  private void killProcess() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(role + " (pid " + process.pid() + ") did not end on SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing " + role, e);
    }
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** What the current (or last) run of the process logged so far. */
  String logSinceStart() {
    return since(startedAt);
  }

  /** The log from a position ({@link #size()}) on. */
  String since(long position) {
    try {
      byte[] all = Files.readAllBytes(log);
      int from = (int) Math.min(position, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The current length of the log, a position for {@link #since(long)}. */
  long size() {
    try {
      return Files.exists(log) ? Files.size(log) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** The last lines of the log. */
  String tail(int lines) {
    try {
      if (!Files.exists(log)) {
        return "(no log)";
      }
      var all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  /** Writes a line of the harness into the log, between the process's own lines. */
  void mark(String what) {
    System.out.println("[" + Instant.now() + "] " + what);
    try {
      Files.writeString(log, "=== harness " + Instant.now() + ": " + what + " ===\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
