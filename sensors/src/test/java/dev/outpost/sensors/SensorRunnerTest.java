package dev.outpost.sensors;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Threshold;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SensorRunnerTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  @TempDir
  Path stateDir;
  private SensorRunner runner;
  /** Released at the end of each test, so that no blocked sensor outlives it. */
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() {
    runner = new SensorRunner(new SensorContext(stateDir, Clock.fixed(NOW, ZoneOffset.UTC)), 2);
  }

  @AfterEach
  void stop() {
    release.countDown();
    runner.close();
  }

  private static SensorConfig config(String id, int timeoutSeconds, Map<String, Threshold> thresholds) {
    return new SensorConfig(id, "test", Map.of(), 60, timeoutSeconds, thresholds);
  }

  private static Measurement done(CompletableFuture<Measurement> future) {
    await().atMost(5, SECONDS).until(future::isDone);
    return future.join();
  }

  @Test
  void aReadingBecomesAMeasurementTakenAtTheStartOfTheRun() {
    var m = done(runner.run(config("mem", 5, Map.of()),
        context -> Reading.of("fine").with("usedPercent", 42.5, "%").with("count", 3)));

    assertEquals("mem", m.sensor());
    assertEquals(NOW.toEpochMilli(), m.time());
    assertEquals(State.OK, m.state());
    assertEquals(Map.of("usedPercent", 42.5, "count", 3.0), m.values());
    assertEquals(Map.of("usedPercent", "%"), m.units());
    assertEquals("fine", m.message());
  }

  @Test
  void thresholdsGiveWarningAndErrorAndSayWhichBoundWasCrossed() {
    var thresholds = Map.of("load", new Threshold(80.0, 90.0, null, null),
        "freePercent", new Threshold(null, null, 15.0, 5.0));
    Sensor sensor = context -> Reading.of("x").with("load", 85, "%").with("freePercent", 50, "%");
    var warning = done(runner.run(config("a", 5, thresholds), sensor));
    var error = done(runner.run(config("b", 5, thresholds),
        context -> Reading.of("x").with("load", 10, "%").with("freePercent", 4.5, "%")));
    var ok = done(runner.run(config("c", 5, thresholds),
        context -> Reading.of("x").with("load", 80, "%").with("freePercent", 15, "%")));

    assertEquals(State.WARNING, warning.state());
    assertEquals("x; load 85 % is above 80 % (WARNING)", warning.message());
    assertEquals(State.ERROR, error.state());
    assertEquals("x; freePercent 4.5 % is below 5 % (ERROR)", error.message());
    assertEquals(State.OK, ok.state(), "bounds are exclusive");
  }

  @Test
  void theWorstOfTheSensorsOwnStateAndTheThresholdsWins() {
    var thresholds = Map.of("status", new Threshold(null, 499.0, null, null));
    var own = done(runner.run(config("web", 5, thresholds),
        context -> Reading.of("content does not contain 'ok'").with("status", 200).withState(State.ERROR)));
    var byThreshold = done(runner.run(config("web2", 5, thresholds),
        context -> Reading.of("up").with("status", 503).withState(State.WARNING)));
    var missingValue = done(runner.run(config("web3", 5, thresholds), context -> Reading.of("nothing measured")));

    assertEquals(State.ERROR, own.state());
    assertEquals(Map.of("status", 200.0), own.values(), "an ERROR reading keeps its values");
    assertEquals(State.ERROR, byThreshold.state());
    assertEquals(State.OK, missingValue.state(), "a threshold for a value the reading lacks is not checked");
  }

  @Test
  void aSensorThatThrowsGivesAnErrorWithTheReason() {
    var io = done(runner.run(config("port", 5, Map.of()), context -> {
      throw new IOException("connection refused: 127.0.0.1:1234");
    }));
    var bug = done(runner.run(config("bug", 5, Map.of()), context -> {
      throw new NullPointerException("settings is null");
    }));
    var error = done(runner.run(config("deep", 5, Map.of()), context -> {
      throw new StackOverflowError();
    }));
    var nothing = done(runner.run(config("none", 5, Map.of()), context -> null));
    var nan = done(runner.run(config("nan", 5, Map.of()), context -> Reading.of("x").with("load", Double.NaN)));

    assertEquals(Measurement.error("port", NOW.toEpochMilli(), "connection refused: 127.0.0.1:1234"), io);
    assertEquals("NullPointerException: settings is null", bug.message());
    assertEquals(State.ERROR, error.state());
    assertEquals("StackOverflowError", error.message());
    assertEquals("the sensor gave no reading", nothing.message());
    assertEquals(State.ERROR, nan.state());
    assertTrue(nan.message().contains("load"), nan.message());
  }

  @Test
  void aHangingSensorIsCutOffAtItsTimeoutAndInterrupted() {
    var interrupted = new AtomicBoolean();
    long begin = System.nanoTime();
    var run = runner.run(config("hang", 1, Map.of()), context -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        interrupted.set(true);
        throw e;
      }
      return Reading.of("released");
    });

    await().atMost(3, SECONDS).until(run::isDone);
    long tookMs = (System.nanoTime() - begin) / 1_000_000;
    assertEquals(Measurement.error("hang", NOW.toEpochMilli(), "timed out after 1 s"), run.join());
    assertTrue(tookMs >= 950, "cut off after " + tookMs + " ms, before its timeout");
    await().atMost(2, SECONDS).untilTrue(interrupted);

    // the runner still works, for that sensor too
    var next = done(runner.run(config("hang", 1, Map.of()), context -> Reading.of("fine")));
    assertEquals(State.OK, next.state());
  }

  @Test
  void aSensorThatIgnoresInterruptionHoldsOneThreadAndNoMore() {
    var calls = new AtomicInteger();
    Sensor stubborn = context -> {
      calls.incrementAndGet();
      while (true) {
        try {
          release.await();
          return Reading.of("finally");
        } catch (InterruptedException e) {
          // ignores it, as badly written code does
        }
      }
    };
    var first = runner.run(config("stuck", 1, Map.of()), stubborn);
    assertEquals("timed out after 1 s", done(first).message());

    var second = done(runner.run(config("stuck", 1, Map.of()), stubborn));
    assertEquals(State.ERROR, second.state());
    assertTrue(second.message().startsWith("previous run still running"), second.message());
    assertEquals(1, calls.get(), "the second run must not start a second thread");

    var other = done(runner.run(config("other", 1, Map.of()), context -> Reading.of("fine")));
    assertEquals(State.OK, other.state(), "other sensors still run");

    release.countDown();
    await().atMost(2, SECONDS).pollInterval(20, MILLISECONDS)
        .until(() -> done(runner.run(config("stuck", 1, Map.of()), stubborn)).state() == State.OK);
  }

  @Test
  void aRunWaitingForAThreadTimesOutWithoutStarting() {
    try (var single = new SensorRunner(SensorContext.of(stateDir), 1)) {
      var busy = single.run(config("busy", 3, Map.of()), context -> {
        release.await();
        return Reading.of("released");
      });
      var started = new AtomicBoolean();
      var queued = single.run(config("queued", 1, Map.of()), context -> {
        started.set(true);
        return Reading.of("ran");
      });

      await().atMost(3, SECONDS).until(queued::isDone);
      assertEquals("timed out after 1 s", queued.join().message());
      release.countDown();
      assertEquals("released", done(busy).message());
      var again = done(single.run(config("queued", 1, Map.of()), context -> Reading.of("ran")));
      assertEquals("ran", again.message(), "the timed-out queued run must not keep its id busy");
      assertFalse(started.get(), "a run that timed out in the queue never starts");
    }
  }

  @Test
  void closingCompletesOpenRunsAndRefusesNewOnes() {
    var open = runner.run(config("open", 30, Map.of()), context -> {
      release.await();
      return Reading.of("released");
    });

    runner.close();

    assertEquals("sensor runner is closed", done(open).message());
    assertEquals("sensor runner is closed", done(runner.run(config("late", 5, Map.of()), c -> Reading.of("x"))).message());
  }

  @Test
  void aCallerCompletingItsFutureDoesNotChangeTheRun() {
    var future = runner.run(config("copy", 5, Map.of()), context -> {
      release.await();
      return Reading.of("released");
    });
    future.complete(Measurement.error("copy", 1, "faked"));
    var second = done(runner.run(config("copy", 5, Map.of()), c -> Reading.of("x")));
    assertTrue(second.message().startsWith("previous run still running"), second.message());
  }
}
