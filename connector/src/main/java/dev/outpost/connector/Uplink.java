package dev.outpost.connector;

import dev.outpost.hub.HubAddresses;
import dev.outpost.hub.Outbox;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the connector's outbox to the cloud's ingest endpoint through the outbound {@link Dialer},
 * a few uploads at a time, and removes entries only when the cloud acknowledged them after its
 * database commit. On failure it backs off with jitter and sends the same entries again; the cloud
 * discards repeats.
 */
public final class Uplink extends VerticleBase {
  public static final String INGEST_PATH = "/device/v1/batches";
  private static final Logger log = LoggerFactory.getLogger(Uplink.class);

  private final String machineUid;
  private final ConnectorConfig config;
  private final Outbox outbox;
  private final Dialer dialer;
  private final AtomicLong uploaded = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private long cursor;
  private int inFlight;
  private boolean peeking;
  private int failures;
  private boolean waiting;
  private long pollTimer;

  public Uplink(String machineUid, ConnectorConfig config, Outbox outbox, Dialer dialer) {
    this.machineUid = machineUid;
    this.config = config;
    this.outbox = outbox;
    this.dialer = dialer;
  }

  @Override
  public Future<?> start() {
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

  private void pump() {
    if (waiting || peeking || inFlight >= config.uplink().maxInFlight() || outbox.depth() == 0) {
      return;
    }
    peeking = true;
    Future.fromCompletionStage(outbox.peek(cursor, config.uplink().maxUploadMeasurements()), context)
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
          cursor = entries.get(entries.size() - 1).key();
          inFlight++;
          send(entries);
          pump();
        });
  }

  private void send(List<Outbox.Entry> entries) {
    var upload = new Upload(machineUid, entries.stream().map(Outbox.Entry::batch).toList());
    vertx.executeBlocking(() -> dialer.send("POST", INGEST_PATH, Wire.CBOR, Wire.toCbor(upload), Map.of()), false)
        .onComplete(result -> {
          inFlight--;
          List<Long> keys = entries.stream().map(Outbox.Entry::key).toList();
          if (result.failed()) {
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
        cursor = 0;
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
        cursor = 0;
        pump();
      });
    }
  }
}
