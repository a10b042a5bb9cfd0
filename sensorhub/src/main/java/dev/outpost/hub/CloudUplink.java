package dev.outpost.hub;

import dev.outpost.protocol.Upload;
import dev.outpost.protocol.UploadAck;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import dev.outpost.transport.DialResponse;
import dev.outpost.transport.Dialer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an outbox to the cloud's ingest endpoint through the outbound {@link Dialer}, a few uploads
 * at a time, and removes entries only when the cloud acknowledged them after its database commit.
 * The connector uploads its outbox (its own and its hubs' measurements) this way, and so does a hub
 * that lost its connector (the fallback). After a failure it backs off with jitter and sends the
 * same entries again, fresh ones first and the backlog at a bounded rate ({@link FreshFirst}); the
 * cloud discards repeats. A 429 or 503 with {@code Retry-After} makes it wait as long as asked.
 * Every upload carries its send time and the clock offsets of the hubs behind this machine, from
 * which the cloud measures and corrects clocks.
 */
public final class CloudUplink extends VerticleBase {
  public static final String INGEST_PATH = "/device/v1/batches";
  private static final Logger log = LoggerFactory.getLogger(CloudUplink.class);

  private final String machineUid;
  private final Settings settings;
  private final Outbox outbox;
  private final Dialer dialer;
  private final Supplier<Map<String, Long>> clocks;
  private final AtomicLong uploaded = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private FreshFirst order;
  private int inFlight;
  private boolean peeking;
  private int failures;
  private boolean waiting;
  private long pollTimer;

  /**
   * @param machineUid the uploading machine
   * @param clocks     the clock offsets (ms) of the hubs behind this machine, by uid; empty for a hub
   */
  public CloudUplink(String machineUid, Settings settings, Outbox outbox, Dialer dialer, Supplier<Map<String, Long>> clocks) {
    this.machineUid = machineUid;
    this.settings = settings;
    this.outbox = outbox;
    this.dialer = dialer;
    this.clocks = clocks;
  }

  @Override
  public Future<?> start() {
    order = new FreshFirst(outbox, settings.backlogPerSecond());
    vertx.eventBus().<Integer>consumer(HubAddresses.MEASUREMENTS_STORED, m -> pump());
    pollTimer = vertx.setPeriodic(1_000, id -> pump());
    pump();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(pollTimer);
    return Future.succeededFuture();
  }

  /** Measurements the cloud acknowledged since start. */
  public long uploaded() {
    return uploaded.get();
  }

  /** Measurements the cloud refused for good (a bad upload) since start; logged as errors. */
  public long rejected() {
    return rejected.get();
  }

  private void pump() {
    if (waiting || peeking || inFlight >= settings.maxInFlight() || outbox.depth() == 0) {
      return;
    }
    peeking = true;
    Future.fromCompletionStage(order.next(settings.maxUploadMeasurements()), context)
        .onComplete(result -> {
          peeking = false;
          if (result.failed()) {
            log.error("cannot read the outbox: {}", result.cause().getMessage());
            return;
          }
          List<Outbox.Entry> entries = result.result();
          if (entries.isEmpty()) {
            return;
          }
          inFlight++;
          send(entries);
          pump();
        });
  }

  private void send(List<Outbox.Entry> entries) {
    var upload = new Upload(machineUid, entries.stream().map(Outbox.Entry::batch).toList(), System.currentTimeMillis(),
        clocks.get());
    vertx.executeBlocking(() -> dialer.send("POST", INGEST_PATH, Wire.CBOR, Wire.toCbor(upload), Map.of()), false)
        .onComplete(result -> {
          inFlight--;
          List<Long> keys = entries.stream().map(Outbox.Entry::key).toList();
          if (result.failed()) {
            // The cloud may have stored it before the answer was lost.
            outbox.mayHaveArrived(keys);
            retry("cloud unreachable: " + result.cause().getMessage());
          } else {
            answered(result.result(), keys, upload);
          }
        });
  }

  private void answered(DialResponse response, List<Long> keys, Upload upload) {
    int status = response.status();
    if (status == 200) {
      failures = 0;
      long count = upload.batches().stream().mapToLong(b -> b.measurements().size()).sum();
      uploaded.addAndGet(count);
      logAck(response, count);
      Future.fromCompletionStage(outbox.remove(keys), context).onComplete(r -> pump());
    } else if (status == 400 || status == 413 || status == 422) {
      // The cloud will never take these: keep the rest of the queue moving, and say so loudly.
      long count = upload.batches().stream().mapToLong(b -> b.measurements().size()).sum();
      rejected.addAndGet(count);
      log.error("cloud refused an upload of {} measurements ({} {}); they are dropped", count, status,
          new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
      Future.fromCompletionStage(outbox.remove(keys), context).onComplete(r -> pump());
    } else if (status == 429 || status == 503) {
      pushedBack(retryAfter(response));
    } else {
      retry("cloud answered " + status);
    }
  }

  /** Seconds from a {@code Retry-After} header, 1 to 300; 1 when there is none or it cannot be read. */
  private static long retryAfter(DialResponse response) {
    String value = response.headers().entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase("Retry-After")).map(Map.Entry::getValue).findFirst().orElse("1");
    try {
      return Math.max(1, Math.min(300, Long.parseLong(value.trim())));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /**
   * The cloud asks to slow down: wait as long as it says, then send the same entries again. Not a
   * failure: the backoff does not grow and nothing is logged above debug.
   */
  private void pushedBack(long seconds) {
    log.debug("the cloud asks to wait {} s", seconds);
    if (!waiting) {
      waiting = true;
      vertx.setTimer(seconds * 1000, id -> {
        waiting = false;
        order.restart();
        pump();
      });
    }
  }

  private void logAck(DialResponse response, long sent) {
    try {
      var ack = Wire.fromJson(response.body(), UploadAck.class);
      if (ack.refused() > 0) {
        log.warn("cloud refused {} of {} measurements: their hubs are not (or no longer) approved", ack.refused(), sent);
      }
      log.debug("cloud stored {}, discarded {} repeats", ack.stored(), ack.duplicates());
    } catch (WireFormatException e) {
      log.warn("unreadable ack from the cloud: {}", e.getMessage());
    }
  }

  /** Starts over from the oldest entry after a pause, once every upload in flight has ended. */
  private void retry(String why) {
    if (!waiting) {
      failures++;
      long wait = dialer.backoff(failures).toMillis();
      if (failures == 1 || failures % 10 == 0) {
        log.warn("upload failed ({}); retrying in {} ms", why, wait);
      }
      waiting = true;
      vertx.setTimer(wait, id -> {
        waiting = false;
        order.restart();
        pump();
      });
    }
  }

  /**
   * How a machine uploads.
   *
   * @param maxUploadMeasurements measurements in one upload at most
   * @param maxInFlight           uploads on their way at once
   * @param backlogPerSecond      how fast the backlog of an outage drains behind fresh measurements
   */
  public record Settings(int maxUploadMeasurements, int maxInFlight, int backlogPerSecond) {
    public static final int DEFAULT_MAX_UPLOAD = 20_000;
    public static final int DEFAULT_MAX_IN_FLIGHT = 2;
    public static final int DEFAULT_BACKLOG_PER_SECOND = 20_000;
    public static final Settings DEFAULTS = new Settings(0, 0, 0);

    public Settings {
      maxUploadMeasurements = maxUploadMeasurements <= 0 ? DEFAULT_MAX_UPLOAD : maxUploadMeasurements;
      maxInFlight = maxInFlight <= 0 ? DEFAULT_MAX_IN_FLIGHT : maxInFlight;
      backlogPerSecond = backlogPerSecond <= 0 ? DEFAULT_BACKLOG_PER_SECOND : backlogPerSecond;
    }

    public Settings(int maxUploadMeasurements, int maxInFlight) {
      this(maxUploadMeasurements, maxInFlight, 0);
    }
  }
}
