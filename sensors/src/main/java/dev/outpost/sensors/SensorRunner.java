package dev.outpost.sensors;

import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Threshold;
import dev.outpost.sensors.impl.Quantities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sensors on threads of its own (never on a Vert.x event loop) and turns each run into a
 * {@link Measurement}. It never throws and its futures never fail: whatever a sensor does (throws,
 * hangs, ignores interruption) the run completes with a measurement, an ERROR one with the reason
 * when the sensor failed.
 *
 * <ul>
 *   <li>A run is cut off at {@link SensorConfig#effectiveTimeoutSeconds()}, counted from the call
 *       to {@link #run} (waiting for a free thread counts too): the future completes with ERROR
 *       "timed out after N s" and the sensor's thread is interrupted.</li>
 *   <li>While a run of a sensor id is still busy, even one that already timed out but ignores
 *       interruption, another run of that id completes at once with ERROR "previous run still
 *       running", so a hanging sensor holds at most one thread.</li>
 *   <li>The state is the worst of the reading's own state and the thresholds of the configuration
 *       for the values the reading has; each threshold crossed is named in the message.</li>
 * </ul>
 */
public final class SensorRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SensorRunner.class);
  private static final AtomicInteger RUNNERS = new AtomicInteger();

  private final SensorContext context;
  private final ThreadPoolExecutor workers;
  private final ScheduledThreadPoolExecutor timer;
  private final Map<String, Run> busy = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param context what the sensors get: the state folder and the clock
   * @param threads how many sensors may run at the same time; threads end when idle
   */
  public SensorRunner(SensorContext context, int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, not " + threads);
    }
    this.context = Objects.requireNonNull(context, "context");
    int runner = RUNNERS.incrementAndGet();
    workers = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        daemonThreads("outpost-sensor-" + runner + "-"));
    workers.allowCoreThreadTimeOut(true);
    timer = new ScheduledThreadPoolExecutor(1, daemonThreads("outpost-sensor-" + runner + "-timer-"));
    timer.setRemoveOnCancelPolicy(true);
  }

  /**
   * Runs the sensor once. Returns at once; the future completes with the measurement, never
   * exceptionally. Its time is the moment of this call (epoch ms from the context's clock).
   */
  public CompletableFuture<Measurement> run(SensorConfig config, Sensor sensor) {
    long start = context.clock().millis();
    if (closed) {
      return CompletableFuture.completedFuture(Measurement.error(config.id(), start, "sensor runner is closed"));
    }
    var run = new Run(config, sensor, start);
    var previous = busy.putIfAbsent(config.id(), run);
    if (previous != null) {
      var since = Duration.ofMillis(Math.max(0, start - previous.start));
      return CompletableFuture.completedFuture(Measurement.error(config.id(), start,
          "previous run still running (started " + Quantities.duration(since) + " ago)"));
    }
    try {
      run.task = workers.submit(run::execute);
      run.timeout = timer.schedule(run::timeOut, config.effectiveTimeoutSeconds(), TimeUnit.SECONDS);
      if (run.result.isDone()) {
        run.timeout.cancel(false); // finished before its timeout was even set
      }
    } catch (RejectedExecutionException e) {
      run.finish(Measurement.error(config.id(), start, "sensor runner is closed"));
    }
    if (closed) {
      run.finish(Measurement.error(config.id(), start, "sensor runner is closed"));
    }
    return run.result.copy();
  }

  /** Stops the threads, interrupting running sensors; runs still open complete with ERROR. Does not wait. */
  @Override
  public void close() {
    closed = true;
    for (var run : List.copyOf(busy.values())) {
      run.finish(Measurement.error(run.config.id(), run.start, "sensor runner is closed"));
    }
    workers.shutdownNow();
    timer.shutdownNow();
  }

  /** The measurement a reading makes under a configuration: thresholds applied, crossings named. */
  static Measurement measurement(SensorConfig config, long time, Reading reading) {
    if (reading == null) {
      return Measurement.error(config.id(), time, "the sensor gave no reading");
    }
    var state = reading.state() == null ? State.OK : reading.state();
    var crossed = new ArrayList<String>();
    for (var e : config.thresholds().entrySet()) {
      var value = reading.values().get(e.getKey());
      if (value == null || e.getValue() == null) {
        continue;
      }
      var verdict = e.getValue().classify(value);
      if (verdict != State.OK) {
        crossed.add(crossing(e.getKey(), value, reading.units().get(e.getKey()), e.getValue(), verdict));
        state = state.worst(verdict);
      }
    }
    var message = reading.message();
    if (!crossed.isEmpty()) {
      message = (message.isEmpty() ? "" : message + "; ") + String.join("; ", crossed);
    }
    return new Measurement(config.id(), time, state, reading.values(), reading.units(), message);
  }

  private static String crossing(String name, double value, String unit, Threshold t, State verdict) {
    boolean error = verdict == State.ERROR;
    Double above = error ? t.errorAbove() : t.warningAbove();
    Double below = error ? t.errorBelow() : t.warningBelow();
    var bound = above != null && value > above ? "above " + Quantities.withUnit(above, unit)
        : "below " + Quantities.withUnit(below, unit);
    return name + " " + Quantities.withUnit(value, unit) + " is " + bound + " (" + verdict + ")";
  }

  /** A short reason for a failure, for the measurement's message. */
  static String reason(Throwable e) {
    while ((e instanceof ExecutionException || e instanceof CompletionException || e instanceof UncheckedIOException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    var message = e.getMessage() == null || e.getMessage().isBlank() ? null : e.getMessage().strip();
    if (e instanceof java.net.UnknownHostException) {
      return "unknown host: " + message;
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or directory: " + message;
    }
    if (e instanceof AccessDeniedException) {
      return "access denied: " + message;
    }
    if (e instanceof InterruptedException || e instanceof java.nio.channels.ClosedByInterruptException) {
      return "interrupted";
    }
    if (message == null) {
      return e.getCause() != null ? reason(e.getCause()) : e.getClass().getSimpleName();
    }
    boolean plain = e instanceof IOException || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException || e instanceof UnsupportedOperationException;
    return plain ? message : e.getClass().getSimpleName() + ": " + message;
  }

  private static ThreadFactory daemonThreads(String prefix) {
    var count = new AtomicInteger();
    return task -> {
      var thread = new Thread(task, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** One run of one sensor, from the call until its thread is free again. */
  private final class Run {
    final SensorConfig config;
    final Sensor sensor;
    final long start;
    final CompletableFuture<Measurement> result = new CompletableFuture<>();
    /** Claimed by whoever comes first: the thread that runs the sensor, or the timeout while the run still waits for a thread. */
    final AtomicBoolean claimed = new AtomicBoolean();
    volatile Future<?> task;
    volatile ScheduledFuture<?> timeout;

    Run(SensorConfig config, Sensor sensor, long start) {
      this.config = config;
      this.sensor = sensor;
      this.start = start;
    }

    void execute() {
      if (!claimed.compareAndSet(false, true)) {
        return;
      }
      Measurement measurement;
      try {
        measurement = measurement(config, start, sensor.measure(context));
      } catch (Throwable e) { // a sensor must never take the hub down, whatever it throws
        if (result.isDone()) {
          LOG.debug("sensor {} ended after it was cut off: {}", config.id(), reason(e));
        } else if (e instanceof IOException || e instanceof InterruptedException) {
          LOG.debug("sensor {} failed", config.id(), e);
        } else {
          LOG.warn("sensor {} ({}) failed unexpectedly", config.id(), config.type(), e);
        }
        measurement = Measurement.error(config.id(), start, reason(e));
      }
      finish(measurement);
    }

    void timeOut() {
      var seconds = config.effectiveTimeoutSeconds();
      // Claim first: once the result is complete a free thread must not start the run any more.
      boolean neverStarted = claimed.compareAndSet(false, true);
      if (!result.complete(Measurement.error(config.id(), start, "timed out after " + seconds + " s"))) {
        return;
      }
      LOG.warn("sensor {} ({}) timed out after {} s", config.id(), config.type(), seconds);
      if (neverStarted) {
        busy.remove(config.id(), this); // it never started, so no thread holds it
      } else if (task != null) {
        task.cancel(true); // the thread is freed when the sensor reacts to the interrupt
      }
    }

    /** Completes the run (unless the timeout did already) and frees its id. */
    void finish(Measurement measurement) {
      result.complete(measurement);
      var t = timeout;
      if (t != null) {
        t.cancel(false);
      }
      busy.remove(config.id(), this);
    }
  }
}
