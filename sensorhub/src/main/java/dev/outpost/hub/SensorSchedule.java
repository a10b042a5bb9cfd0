package dev.outpost.hub;

import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.MachineCertificates;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SealedSecret;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.SensorConfig;
import dev.outpost.sensors.Sensor;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorRunner;
import dev.outpost.sensors.Sensors;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the machine's sensors on schedule and writes every measurement to the outbox before
 * anything else happens to it. Applies a newer configuration from {@link HubAddresses#CONFIG_RECEIVED}
 * without a restart: sensors that did not change keep their rhythm, the rest are restarted, and the
 * configuration is saved so the machine runs it again after a restart.
 */
public final class SensorSchedule extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SensorSchedule.class);
  private static final int RUNNER_THREADS = 4;

  private final MachineRef machine;
  private final Path dataDir;
  private final Outbox outbox;
  private final Sensors catalogue = Sensors.builtIn();
  private final Map<String, Scheduled> scheduled = new HashMap<>();
  /** The built-in measurement of the days left on the machine's certificate. */
  public static final String CERTIFICATE_SENSOR = "certificate";
  private static final long CERTIFICATE_FIRST_MS = 5_000;
  private static final long CERTIFICATE_EVERY_MS = 6 * 3_600_000L;
  private long certificateTimer;
  /** The built-in measurement of the machine's outbox. */
  public static final String OUTBOX_SENSOR = "outbox";
  private static final long OUTBOX_FIRST_MS = 2_000;
  private static final long OUTBOX_EVERY_MS = 60_000;
  private long outboxTimer;
  private SensorRunner runner;
  private MachineConfig current;
  private MessageConsumer<MachineConfig> configs;

  public SensorSchedule(MachineRef machine, Path dataDir, Outbox outbox) {
    this.machine = machine;
    this.dataDir = dataDir;
    this.outbox = outbox;
  }

  @Override
  public Future<?> start() {
    runner = new SensorRunner(new SensorContext(dataDir.resolve("sensor-state"), Clock.systemUTC()), RUNNER_THREADS);
    current = AppliedConfig.load(dataDir, machine.uid());
    schedule(current);
    configs = vertx.eventBus().consumer(HubAddresses.CONFIG_RECEIVED, message -> apply(message.body()));
    certificateTimer = vertx.setPeriodic(CERTIFICATE_FIRST_MS, CERTIFICATE_EVERY_MS, id -> reportCertificate());
    outboxTimer = vertx.setPeriodic(OUTBOX_FIRST_MS, OUTBOX_EVERY_MS, id -> reportOutbox());
    return configs.completion();
  }

  /**
   * Every machine reports its outbox as the built-in measurement {@value #OUTBOX_SENSOR}: measurements
   * waiting ({@code queued}), the age of the oldest of them ({@code oldestAgeSeconds}, 0 when none
   * waits), and the measurements dropped unsent since the outbox was made ({@code dropped}, because it
   * was full or because they were too old; {@code expired} of them for age) — WARNING once anything
   * was dropped, so a drop is never silent.
   */
  private void reportOutbox() {
    record(outboxMeasurement(outbox, System.currentTimeMillis()));
  }

  /** The built-in {@value #OUTBOX_SENSOR} measurement of {@code outbox} at {@code now} (epoch ms). */
  static Measurement outboxMeasurement(Outbox outbox, long now) {
    long queued = outbox.depth();
    long expired = outbox.expired(); // before dropped, which includes it and is published first
    long dropped = outbox.dropped();
    long oldestTime = outbox.oldestTime();
    double oldestAgeSeconds = oldestTime == 0 ? 0 : Math.max(0, now - oldestTime) / 1000.0;
    var state = dropped > 0 ? dev.outpost.protocol.State.WARNING : dev.outpost.protocol.State.OK;
    return new Measurement(OUTBOX_SENSOR, now, state,
        Map.of("queued", (double) queued, "dropped", (double) dropped, "expired", (double) expired,
            "oldestAgeSeconds", oldestAgeSeconds),
        Map.of("oldestAgeSeconds", "s"),
        dropped > 0 ? dropped + " measurements dropped " + whyDropped(dropped - expired, expired) + "; " + queued + " waiting"
            : queued + " waiting");
  }

  private static String whyDropped(long full, long expired) {
    if (expired == 0) {
      return "because the outbox was full";
    }
    if (full == 0) {
      return "because they were too old";
    }
    return "(" + full + " because the outbox was full, " + expired + " because they were too old)";
  }

  /**
   * Every machine reports the days until its certificate expires as the built-in measurement
   * {@value #CERTIFICATE_SENSOR} ({@code daysLeft}; WARNING at 30 days or less, ERROR at 7).
   */
  private void reportCertificate() {
    vertx.executeBlocking(() -> {
      var tls = TlsFiles.inFolder(dataDir);
      if (!tls.hasIdentity()) {
        return null;
      }
      var certificate = Pem.readCertificates(tls.certificate()).get(0);
      long days = MachineCertificates.daysUntilExpiry(certificate, java.time.Instant.now());
      var state = days <= 7 ? dev.outpost.protocol.State.ERROR : days <= 30 ? dev.outpost.protocol.State.WARNING
          : dev.outpost.protocol.State.OK;
      return new Measurement(CERTIFICATE_SENSOR, System.currentTimeMillis(), state, Map.of("daysLeft", (double) days),
          Map.of("daysLeft", "d"), "certificate valid until " + certificate.getNotAfter().toInstant());
    }, false).onSuccess(measurement -> {
      if (measurement != null) {
        record(measurement);
      }
    }).onFailure(e -> log.warn("cannot read this machine's certificate: {}", e.getMessage()));
  }

  @Override
  public Future<?> stop() {
    scheduled.values().forEach(s -> vertx.cancelTimer(s.timer()));
    scheduled.clear();
    vertx.cancelTimer(certificateTimer);
    vertx.cancelTimer(outboxTimer);
    runner.close();
    return configs.unregister();
  }

  /** The configuration this machine runs now. */
  public MachineConfig current() {
    return current;
  }

  private void apply(MachineConfig config) {
    if (!config.machine().equals(machine.uid())) {
      log.debug("ignored a configuration for {}: this machine is {}", config.machine(), machine.uid());
      return;
    }
    if (config.version() <= current.version()) {
      return;
    }
    vertx.executeBlocking(() -> {
      AppliedConfig.save(dataDir, config);
      return config;
    }).onSuccess(saved -> {
      current = saved;
      schedule(saved);
      log.info("applied configuration version {} with {} sensors", saved.version(), saved.sensors().size());
    }).onFailure(e -> log.error("cannot save configuration version {}: {}", config.version(), e.getMessage()));
  }

  private void schedule(MachineConfig config) {
    var wanted = new HashMap<String, SensorConfig>();
    config.sensors().forEach(s -> wanted.put(s.id(), s));
    scheduled.entrySet().removeIf(e -> {
      boolean keep = e.getValue().config().equals(wanted.get(e.getKey()));
      if (!keep) {
        vertx.cancelTimer(e.getValue().timer());
      }
      return !keep;
    });
    for (SensorConfig sensorConfig : config.sensors()) {
      if (scheduled.containsKey(sensorConfig.id())) {
        continue;
      }
      Sensor sensor = create(sensorConfig);
      long timer = vertx.setPeriodic(0, sensorConfig.intervalSeconds() * 1000L, id -> run(sensorConfig, sensor));
      scheduled.put(sensorConfig.id(), new Scheduled(sensorConfig, timer));
    }
  }

  private Sensor create(SensorConfig config) {
    if (!config.secrets().isEmpty()) {
      return withSecrets(config);
    }
    try {
      return catalogue.create(config);
    } catch (RuntimeException e) {
      String reason = "invalid configuration: " + e.getMessage();
      log.warn("sensor {}: {}", config.id(), reason);
      return context -> {
        throw new IllegalArgumentException(reason);
      };
    }
  }

  /**
   * A sensor with secret settings: each run opens the sealed secrets with the machine's private key
   * (on the runner's thread, inside the run's timeout), makes the sensor with them as settings and
   * measures; the plaintext lives only as long as that run.
   */
  private Sensor withSecrets(SensorConfig config) {
    Path keyFile = TlsFiles.inFolder(dataDir).key();
    return context -> {
      var privateKey = Pem.readPrivateKey(keyFile);
      var settings = new HashMap<>(config.settings());
      for (var secret : config.secrets().entrySet()) {
        try {
          byte[] plain = SealedSecret.open(privateKey, secret.getValue(),
              SensorConfig.secretInfo(machine.uid(), config.id(), secret.getKey()));
          settings.put(secret.getKey(), new String(plain, StandardCharsets.UTF_8));
        } catch (CryptoException e) {
          throw new IllegalStateException("secret " + secret.getKey() + " cannot be opened with this machine's key: " + e.getMessage());
        }
      }
      var plainConfig = new SensorConfig(config.id(), config.type(), settings, config.intervalSeconds(),
          config.timeoutSeconds(), config.thresholds());
      return catalogue.create(plainConfig).measure(context);
    };
  }

  private void run(SensorConfig config, Sensor sensor) {
    runner.run(config, sensor).thenAccept(this::record);
  }

  /** Writes one measurement to the outbox and tells the link; called on a runner thread. */
  private void record(Measurement measurement) {
    outbox.record(machine, List.of(measurement)).whenComplete((ok, error) -> {
      if (error != null) {
        log.error("cannot write a measurement of {} to the outbox: {}", measurement.sensor(), error.getMessage());
      } else {
        vertx.eventBus().publish(HubAddresses.MEASUREMENTS_STORED, 1);
      }
    });
  }

  private record Scheduled(SensorConfig config, long timer) {
  }
}
