package dev.outpost.connector;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.ConnectorLink;
import dev.outpost.hub.HubAddresses;
import dev.outpost.hub.Outbox;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.LanMessage;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's LAN side: a TLS WebSocket endpoint where hubs deliver their batches. A frame is
 * acknowledged only after the connector's own durable write; configurations from the cloud are
 * passed on to the hub they are for, at once if it is linked, else when it next says hello.
 */
public final class LanGateway extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(LanGateway.class);
  private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final ConnectorConfig config;
  private final Outbox outbox;
  private final HubConfigs hubConfigs;
  private final Map<String, ServerWebSocket> linked = new HashMap<>();
  private HttpServer server;

  public LanGateway(ConnectorConfig config, Outbox outbox, HubConfigs hubConfigs) {
    this.config = config;
    this.outbox = outbox;
    this.hubConfigs = hubConfigs;
  }

  @Override
  public Future<?> start() {
    var tls = TlsFiles.inFolder(config.dataDir());
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.lanHost())
        .setPort(config.lanPort())
        .setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(tls.key().toString()).setCertPath(tls.certificate().toString()))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3", "TLSv1.2"))
        .setMaxWebSocketMessageSize(MAX_MESSAGE_BYTES));
    server.webSocketHandshakeHandler(handshake -> {
      if (ConnectorLink.PATH.equals(handshake.path())) {
        handshake.accept();
      } else {
        handshake.reject(404);
      }
    });
    server.webSocketHandler(this::accept);
    server.requestHandler(request -> request.response().setStatusCode(404).end());
    vertx.eventBus().<MachineConfig>consumer(ConnectorAddresses.HUB_CONFIG, message -> forward(message.body()));
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }

  /** The port the gateway listens on (useful when configured as 0). */
  public int port() {
    return server.actualPort();
  }

  /** Hubs linked right now. */
  public int linkedHubs() {
    return linked.size();
  }

  private void accept(ServerWebSocket ws) {
    var session = new Session(ws);
    ws.binaryMessageHandler(session::received);
    ws.textMessageHandler(text -> session.refuse("text frames are not part of the LAN protocol"));
    ws.closeHandler(v -> session.closed());
    ws.exceptionHandler(e -> log.debug("hub link {}: {}", ws.remoteAddress(), e.getMessage()));
  }

  private void forward(MachineConfig config) {
    ServerWebSocket ws = linked.get(config.machine());
    if (ws != null) {
      ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.Configure(config))));
    }
  }

  /** One hub's link. */
  private final class Session {
    private final ServerWebSocket ws;
    private MachineRef hub;

    Session(ServerWebSocket ws) {
      this.ws = ws;
    }

    void received(Buffer buffer) {
      LanMessage message;
      try {
        message = Wire.fromCbor(buffer.getBytes(), LanMessage.class);
      } catch (WireFormatException e) {
        refuse("bad frame: " + e.getMessage());
        return;
      }
      if (message instanceof LanMessage.Hello hello) {
        hello(hello);
      } else if (hub == null) {
        refuse("the first frame must be hello");
      } else if (message instanceof LanMessage.Batches batches) {
        store(batches);
      } else {
        refuse("unexpected " + message.getClass().getSimpleName());
      }
    }

    private void hello(LanMessage.Hello hello) {
      if (hub != null) {
        refuse("hello sent twice");
        return;
      }
      if (hello.machine().role() != Role.HUB) {
        refuse("only hubs link to a connector");
        return;
      }
      hub = hello.machine();
      ServerWebSocket previous = linked.put(hub.uid(), ws);
      if (previous != null) {
        previous.close((short) 1008, "replaced by a newer link");
      }
      log.info("hub {} ({}) linked from {}", hub.name(), hub.uid(), ws.remoteAddress());
      vertx.eventBus().publish(ConnectorAddresses.HUB_SEEN, hub);
      long runs = hello.configVersion();
      vertx.executeBlocking(() -> {
        hubConfigs.remember(hub);
        return hubConfigs.configOf(hub.uid());
      }).onSuccess(config -> config
          .filter(c -> c.version() > runs)
          .ifPresent(c -> ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.Configure(c))))));
    }

    private void store(LanMessage.Batches frame) {
      for (Batch batch : frame.batches()) {
        if (!batch.source().uid().equals(hub.uid())) {
          refuse("hub " + hub.uid() + " sent measurements of " + batch.source().uid());
          return;
        }
      }
      Future.fromCompletionStage(outbox.store(frame.batches()), context).onComplete(stored -> {
        if (stored.succeeded()) {
          ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.Ack(frame.id()))));
          vertx.eventBus().publish(HubAddresses.MEASUREMENTS_STORED, frame.batches().size());
        } else {
          log.error("cannot store measurements of hub {}: {}", hub.uid(), stored.cause().getMessage());
          ws.close((short) 1011, "connector cannot store");
        }
      });
    }

    void refuse(String reason) {
      log.warn("refused hub link from {}: {}", ws.remoteAddress(), reason);
      ws.close((short) 1008, reason.length() > 120 ? reason.substring(0, 120) : reason);
    }

    void closed() {
      if (hub != null && linked.get(hub.uid()) == ws) {
        linked.remove(hub.uid());
        log.info("hub {} unlinked", hub.uid());
      }
    }
  }
}
