package dev.outpost.cloud.impl;

import dev.outpost.cloud.Addresses;
import dev.outpost.cloud.CloudConfig;
import dev.outpost.cloud.MeasurementStore;
import dev.outpost.cloud.impl.store.Machine;
import dev.outpost.cloud.impl.store.MachineStore;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device-facing side under {@code /device/v1}: the ingest endpoint that connectors (and hubs in
 * fallback) post their uploads to, and the command channel, one WebSocket per connector that
 * carries configurations to it and its hubs. Both take the site key as bearer token.
 */
final class DeviceApi {
  static final String BATCHES = "/device/v1/batches";
  static final String CHANNEL = "/device/v1/channel";
  private static final Logger LOG = LoggerFactory.getLogger(DeviceApi.class);

  private final Vertx vertx;
  private final CloudConfig config;
  private final Accounts accounts;
  private final MachineStore machines;
  private final MeasurementStore store;
  private final AtomicLong uploads = new AtomicLong();
  private final AtomicLong openChannels = new AtomicLong();

  DeviceApi(Vertx vertx, CloudConfig config, Accounts accounts, MachineStore machines, MeasurementStore store) {
    this.vertx = vertx;
    this.config = config;
    this.accounts = accounts;
    this.machines = machines;
    this.store = store;
  }

  void mount(Router router) {
    router.post(BATCHES).handler(this::requireCbor);
    router.post(BATCHES)
        .handler(BodyHandler.create(false).setBodyLimit(config.limits().maxUploadBytes()))
        .handler(this::ingest);
    router.get(CHANNEL).handler(this::channel);
  }

  /** Uploads accepted since start. */
  long uploads() {
    return uploads.get();
  }

  /** Command channels open now. */
  long openChannels() {
    return openChannels.get();
  }

  private long organisation(RoutingContext ctx) {
    Long organisation = accounts.siteOrganisation(bearer(ctx));
    if (organisation == null) {
      throw ClientError.unauthorized("a valid site key is required (Authorization: Bearer SITEKEY)");
    }
    return organisation;
  }

  static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return header.substring(7).trim();
  }

  private void requireCbor(RoutingContext ctx) {
    organisation(ctx);
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith(Wire.CBOR)) {
      throw new ClientError(415, "uploads are " + Wire.CBOR + (type == null ? " (no Content-Type given)" : ", not " + type));
    }
    ctx.next();
  }

  private void ingest(RoutingContext ctx) {
    long organisation = organisation(ctx);
    var body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ClientError.badRequest("empty upload");
    }
    byte[] bytes = body.getBytes();
    vertx.executeBlocking(() -> Wire.fromCbor(bytes, Upload.class), false)
        .compose(upload -> store.append(organisation, upload))
        .onSuccess(ack -> {
          uploads.incrementAndGet();
          ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Wire.toJsonString(ack));
        })
        .onFailure(ctx::fail);
  }

  private void channel(RoutingContext ctx) {
    long organisation = organisation(ctx);
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      throw ClientError.badRequest("the command channel is a WebSocket: send Upgrade: websocket");
    }
    ctx.request().toWebSocket()
        .onSuccess(ws -> new Session(organisation, ws).start())
        .onFailure(e -> LOG.debug("command channel upgrade failed: {}", e.getMessage()));
  }

  /** One connector's channel: which machines it serves, and their configurations. */
  private final class Session {
    private final long organisation;
    private final ServerWebSocket ws;
    private final Set<String> served = ConcurrentHashMap.newKeySet();
    private String connector;
    private io.vertx.core.eventbus.MessageConsumer<String> configured;

    Session(long organisation, ServerWebSocket ws) {
      this.organisation = organisation;
      this.ws = ws;
    }

    void start() {
      openChannels.incrementAndGet();
      configured = vertx.eventBus().consumer(Addresses.MACHINE_CONFIGURED, message -> {
        var machineConfig = Wire.fromJson(message.body(), MachineConfig.class);
        if (served.contains(machineConfig.machine())) {
          send(new ChannelMessage.Configure(machineConfig));
        }
      });
      ws.textMessageHandler(this::received);
      ws.closeHandler(v -> {
        openChannels.decrementAndGet();
        configured.unregister();
        LOG.info("command channel of {} closed", connector == null ? "a connector" : connector);
      });
      ws.exceptionHandler(e -> LOG.debug("command channel of {}: {}", connector, e.getMessage()));
    }

    private void received(String text) {
      ChannelMessage message;
      try {
        message = Wire.fromJson(text, ChannelMessage.class);
      } catch (WireFormatException e) {
        LOG.warn("connector {} sent a bad channel message: {}", connector, e.getMessage());
        ws.close((short) 1007, "bad message: " + abbreviate(e.getMessage()));
        return;
      }
      if (message instanceof ChannelMessage.Hello hello) {
        connector = hello.connector().uid();
        var refs = new ArrayList<MachineRef>();
        refs.add(hello.connector());
        refs.addAll(hello.hubs());
        register(refs, true);
        LOG.info("command channel of connector {} ({}) open with {} hubs", hello.connector().name(), connector, hello.hubs().size());
      } else if (message instanceof ChannelMessage.MachinesSeen seen) {
        if (connector == null) {
          ws.close((short) 1008, "hello first");
          return;
        }
        register(seen.machines(), true);
      } else {
        LOG.warn("connector {} sent an unexpected {}", connector, message.getClass().getSimpleName());
      }
    }

    private void register(List<MachineRef> refs, boolean touch) {
      machines.register(organisation, refs, connector, touch)
          .onSuccess(registered -> {
            for (Machine machine : registered) {
              served.add(machine.uid());
              send(new ChannelMessage.Configure(machine.config()));
            }
          })
          .onFailure(e -> {
            LOG.warn("connector {}: cannot register {}: {}", connector, refs.stream().map(MachineRef::uid).toList(), e.getMessage());
            if (e instanceof ClientError) {
              ws.close((short) 1008, abbreviate(e.getMessage()));
            }
          });
    }

    private void send(ChannelMessage message) {
      if (!ws.isClosed()) {
        ws.writeTextMessage(Wire.toJsonString(message));
      }
    }
  }

  /** WebSocket close reasons must fit in 123 bytes. */
  private static String abbreviate(String reason) {
    return reason == null ? "" : reason.length() > 100 ? reason.substring(0, 100) : reason;
  }

  /** Tells every open channel that a machine's configuration changed. */
  static void publish(Vertx vertx, MachineConfig machineConfig) {
    vertx.eventBus().publish(Addresses.MACHINE_CONFIGURED, Wire.toJsonString(machineConfig));
  }

}
