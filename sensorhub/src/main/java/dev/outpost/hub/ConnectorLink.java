package dev.outpost.hub;

import dev.outpost.protocol.LanMessage;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import dev.outpost.crypto.TlsFiles;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's end of the LAN link: one WebSocket over TLS to the connector's gateway. Sends the
 * outbox in frames of up to {@link HubConfig.Link#maxBatchMeasurements()} measurements, a few
 * frames ahead, and removes a frame's entries from the outbox only when the connector acknowledged
 * it. Anything unacknowledged when the link drops is sent again on the next link; the cloud
 * discards repeats by (source, sequence number). Configurations from the connector go to
 * {@link HubAddresses#CONFIG_RECEIVED}.
 */
public final class ConnectorLink extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ConnectorLink.class);
  public static final String PATH = "/lan/v1";
  private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final MachineRef machine;
  private final HubConfig config;
  private final Outbox outbox;
  private final LongSupplier configVersion;
  private final Map<Long, List<Long>> inFlight = new HashMap<>();
  private WebSocketClient client;
  private WebSocket socket;
  private long cursor;
  private long nextFrameId = 1;
  private boolean peeking;
  private int failures;
  private long retryTimer = -1;
  private long pollTimer = -1;
  private boolean stopped;

  public ConnectorLink(MachineRef machine, HubConfig config, Outbox outbox, LongSupplier configVersion) {
    this.machine = machine;
    this.config = config;
    this.outbox = outbox;
    this.configVersion = configVersion;
  }

  @Override
  public Future<?> start() {
    var tls = TlsFiles.inFolder(config.dataDir());
    client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setSsl(true)
        .setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3", "TLSv1.2"))
        .setMaxMessageSize(MAX_MESSAGE_BYTES)
        .setConnectTimeout(10_000));
    vertx.eventBus().<Integer>consumer(HubAddresses.MEASUREMENTS_STORED, m -> pump());
    pollTimer = vertx.setPeriodic(1_000, id -> pump());
    connect();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(pollTimer);
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    Future<Void> closed = socket == null ? Future.succeededFuture() : socket.close();
    return closed.recover(e -> Future.succeededFuture()).compose(v -> client.close());
  }

  /** True while the link to the connector is open. */
  public boolean connected() {
    return socket != null;
  }

  private void connect() {
    var options = new WebSocketConnectOptions()
        .setHost(config.connectorHost())
        .setPort(config.connectorPort())
        .setSsl(true)
        .setURI(PATH);
    client.connect(options).onComplete(result -> {
      if (stopped) {
        if (result.succeeded()) {
          result.result().close();
        }
        return;
      }
      if (result.failed()) {
        retryLater(result.cause().getMessage());
        return;
      }
      opened(result.result());
    });
  }

  private void opened(WebSocket ws) {
    socket = ws;
    failures = 0;
    inFlight.clear();
    cursor = 0;
    log.info("linked to connector {}:{}", config.connectorHost(), config.connectorPort());
    ws.binaryMessageHandler(this::received);
    ws.closeHandler(v -> closed(ws, "closed by the connector"));
    ws.exceptionHandler(e -> log.debug("link error: {}", e.getMessage()));
    ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.Hello(Wire.VERSION, machine, configVersion.getAsLong()))));
    pump();
  }

  private void closed(WebSocket ws, String why) {
    if (socket != ws) {
      return;
    }
    socket = null;
    inFlight.clear();
    if (!stopped) {
      retryLater(why);
    }
  }

  private void retryLater(String why) {
    failures++;
    long cap = Math.min(config.link().retryMax().toMillis(),
        config.link().retryMin().toMillis() << Math.min(failures - 1, 16));
    long wait = Math.max(config.link().retryMin().toMillis() / 2, ThreadLocalRandom.current().nextLong(cap + 1));
    if (failures == 1 || failures % 10 == 0) {
      log.warn("no link to connector {}:{} ({}); retrying in {} ms", config.connectorHost(), config.connectorPort(), why, wait);
    }
    retryTimer = vertx.setTimer(wait, id -> {
      retryTimer = -1;
      connect();
    });
  }

  private void received(Buffer buffer) {
    LanMessage message;
    try {
      message = Wire.fromCbor(buffer.getBytes(), LanMessage.class);
    } catch (WireFormatException e) {
      log.warn("connector sent a bad frame ({}); closing the link", e.getMessage());
      socket.close((short) 1007, "bad frame");
      return;
    }
    if (message instanceof LanMessage.Ack ack) {
      List<Long> keys = inFlight.remove(ack.id());
      if (keys != null) {
        Future.fromCompletionStage(outbox.remove(keys), context).onComplete(r -> pump());
      }
    } else if (message instanceof LanMessage.Configure configure) {
      MachineConfig machineConfig = configure.config();
      vertx.eventBus().publish(HubAddresses.CONFIG_RECEIVED, machineConfig);
    } else {
      log.warn("unexpected {} from the connector; ignored", message.getClass().getSimpleName());
    }
  }

  /** Sends more of the outbox while the link is open and the window has room. */
  private void pump() {
    if (socket == null || peeking || inFlight.size() >= config.link().maxInFlight() || outbox.depth() == 0) {
      return;
    }
    peeking = true;
    WebSocket ws = socket;
    Future.fromCompletionStage(outbox.peek(cursor, config.link().maxBatchMeasurements()), context)
        .onComplete(result -> {
          peeking = false;
          if (ws != socket || result.failed() || result.result().isEmpty()) {
            return;
          }
          var entries = result.result();
          long id = nextFrameId++;
          inFlight.put(id, entries.stream().map(Outbox.Entry::key).toList());
          cursor = entries.get(entries.size() - 1).key();
          var frame = new LanMessage.Batches(id, entries.stream().map(Outbox.Entry::batch).toList());
          ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(frame)));
          pump();
        });
  }
}
