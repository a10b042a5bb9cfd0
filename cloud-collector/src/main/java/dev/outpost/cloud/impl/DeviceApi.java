package dev.outpost.cloud.impl;

import dev.outpost.cloud.Addresses;
import dev.outpost.cloud.CloudConfig;
import dev.outpost.cloud.MeasurementStore;
import dev.outpost.cloud.impl.identity.Identity;
import dev.outpost.cloud.impl.identity.OrganisationCas;
import dev.outpost.cloud.impl.identity.Registry;
import dev.outpost.cloud.impl.store.Machine;
import dev.outpost.cloud.impl.store.MachineStore;
import dev.outpost.crypto.CryptoException;

import dev.outpost.protocol.Batch;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.Enrolment;
import java.util.function.BiConsumer;
import dev.outpost.protocol.FileOutcome;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.UploadAck;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device-facing side under {@code /device/v1}: enrolment ({@code POST /device/v1/enrol}, the
 * only call without a client certificate), the ingest endpoint that connectors (and hubs in
 * fallback) post their uploads to, and the command channel, one WebSocket per connector that
 * carries configurations, hub enrolments and revocations.
 *
 * <p>Every other call is authenticated by the machine's certificate (mutual TLS): its chain must
 * validate against its organisation's CA (checked at the handshake), and per request the machine
 * must be approved, not revoked, with exactly the key it enrolled with, and of a role that may make
 * the call. A revoked machine's connections are closed at once.
 */
final class DeviceApi {
  static final String ENROL = "/device/v1/enrol";
  static final String BATCHES = "/device/v1/batches";
  static final String CHANNEL = "/device/v1/channel";
  static final String RELAY_CHANNEL = "/relay/v1/channel";
  private static final int MAX_ENROL_BODY = 64 * 1024;
  private static final Logger LOG = LoggerFactory.getLogger(DeviceApi.class);

  private final Vertx vertx;
  private final CloudConfig config;
  private final OrganisationCas cas;
  private final Registry registry;
  private final MachineStore machines;
  private final MeasurementStore store;
  private final AtomicLong uploads = new AtomicLong();
  private final Departures departures;
  private final Paths paths;
  private final Clocks clocks;
  private final AtomicLong pushedBack = new AtomicLong();
  /** How long a sender is asked to wait when the database is behind. */
  static final long PUSH_BACK_SECONDS = 1;
  /** The cloud's clock when an upload's headers arrived (epoch ms), kept in the routing context. */
  private static final String RECEIVED_AT = "outpost.receivedAt";
  private final Map<HttpConnection, Device> devices = new ConcurrentHashMap<>();
  private final Map<String, Set<HttpConnection>> connectionsByUid = new ConcurrentHashMap<>();
  private final Map<String, Session> channels = new ConcurrentHashMap<>();
  private final Map<String, RelayLink> relayLinks = new ConcurrentHashMap<>();
  private final dev.outpost.cloud.impl.access.AccessServer access;
  private BiConsumer<Long, FileOutcome> fileOutcomes = (organisation, outcome) -> { };

  /** An authenticated machine on one connection. */
  record Device(long organisationId, String uid, Role role, String fingerprint) {
  }

  DeviceApi(Vertx vertx, CloudConfig config, OrganisationCas cas, Registry registry, MachineStore machines,
            MeasurementStore store, Departures departures, Paths paths, Clocks clocks,
            dev.outpost.cloud.impl.access.AccessServer access) {
    this.access = access;
    access.links((uid, message) -> {
      var session = channels.get(uid);
      if (session == null || session.ws.isClosed()) {
        return false;
      }
      session.send(message);
      return true;
    });
    this.departures = departures;
    this.paths = paths;
    this.clocks = clocks;
    this.vertx = vertx;
    this.config = config;
    this.cas = cas;
    this.registry = registry;
    this.machines = machines;
    this.store = store;
    vertx.eventBus().<String>consumer(Addresses.MACHINE_REVOKED, message -> revoked(message.body()));
    vertx.eventBus().<String>consumer(Addresses.HUB_ENROLMENT_CHANGED, message -> hubEnrolmentChanged(message.body()));
    vertx.eventBus().<String>consumer(Addresses.CERTIFICATE_RENEWED, message -> certificateRenewed(message.body()));
    vertx.eventBus().<String>consumer(Addresses.HUB_MOVED, message -> {
      String[] parts = message.body().split(" ");
      channels.values().stream().filter(s -> s.served.contains(parts[0]))
          .forEach(s -> s.send(new ChannelMessage.MoveHub(parts[0], parts[1])));
    });
  }

  void mount(Router router) {
    router.post(ENROL).handler(BodyHandler.create(false).setBodyLimit(MAX_ENROL_BODY)).handler(this::enrol);
    router.post(BATCHES).handler(this::requireCbor);
    router.post(BATCHES)
        .handler(BodyHandler.create(false).setBodyLimit(config.limits().maxUploadBytes()))
        .handler(this::ingest);
    router.get(CHANNEL).handler(this::channel);
    router.get(RELAY_CHANNEL).handler(this::relayChannel);
  }

  /** Uploads accepted since start. */
  long uploads() {
    return uploads.get();
  }

  /** Uploads answered 429 because the database was behind. */
  long pushedBack() {
    return pushedBack.get();
  }

  /** Where the outcomes of file tasks go (organisation of the reporting connector, outcome). */
  void fileOutcomes(BiConsumer<Long, FileOutcome> consumer) {
    this.fileOutcomes = consumer;
  }

  /**
   * The open command channel that reaches a machine: a connector's own, a hub's through the
   * connector that serves it (or that it enrolled through); null if none is open.
   */
  private Session channelOf(String uid) {
    var identity = registry.identity(uid);
    if (identity == null) {
      return null;
    }
    var own = channels.get(uid);
    if (own != null && identity.role() == Role.CONNECTOR) {
      return own.ws.isClosed() ? null : own;
    }
    return channels.values().stream()
        .filter(s -> !s.ws.isClosed() && s.device.organisationId() == identity.organisationId())
        .filter(s -> s.served.contains(uid) || s.device.uid().equals(identity.via()))
        .findFirst().orElse(null);
  }

  /** Whether a command channel that reaches the machine is open. */
  boolean reachable(String uid) {
    return channelOf(uid) != null;
  }

  /** Sends a message for a machine over the command channel that reaches it; false if none is open. */
  boolean sendToMachine(String uid, ChannelMessage message) {
    var session = channelOf(uid);
    if (session == null) {
      return false;
    }
    session.send(message);
    return true;
  }

  /** Command channels open now. */
  long openChannels() {
    return channels.size();
  }

  // --- authentication ------------------------------------------------------------------------

  private Device device(RoutingContext ctx, Role... allowed) {
    var connection = ctx.request().connection();
    var device = devices.get(connection);
    if (device == null) {
      device = authenticate(connection);
    }
    if (!registry.mayConnect(device.uid(), device.fingerprint())) {
      var identity = registry.identity(device.uid());
      String state = identity == null ? "not enrolled" : identity.state().wireName();
      LOG.warn("refused {} {}: {}", device.role().wireName(), device.uid(), state);
      throw ClientError.forbidden("machine " + device.uid() + " may not connect: " + state);
    }
    for (Role role : allowed) {
      if (device.role() == role) {
        return device;
      }
    }
    throw ClientError.forbidden("a " + device.role().wireName() + " may not use " + ctx.request().path());
  }

  private Device authenticate(HttpConnection connection) {
    X509Certificate[] chain;
    try {
      var certificates = connection.peerCertificates();
      chain = certificates == null ? new X509Certificate[0]
          : certificates.stream().map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
    } catch (Exception e) {
      chain = new X509Certificate[0];
    }
    if (chain.length == 0) {
      throw ClientError.unauthorized("a client certificate is required: enrol first (POST " + ENROL + ")");
    }
    OrganisationCas.Verified verified;
    Role role;
    try {
      verified = cas.verify(chain, null);
      role = Role.valueOf(verified.peer().role().toUpperCase(Locale.ROOT));
    } catch (CryptoException e) {
      LOG.warn("refused a client certificate: {}", e.getMessage());
      throw ClientError.unauthorized("client certificate refused: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw ClientError.forbidden("a certificate of role " + chain[0].getSubjectX500Principal() + " may not use device calls");
    }
    var device = new Device(verified.organisationId(), verified.peer().uid(), role, verified.peer().fingerprint());
    devices.put(connection, device);
    connectionsByUid.computeIfAbsent(device.uid(), k -> ConcurrentHashMap.newKeySet()).add(connection);
    connection.closeHandler(v -> {
      devices.remove(connection);
      var open = connectionsByUid.get(device.uid());
      if (open != null) {
        open.remove(connection);
      }
    });
    return device;
  }

  /** Closes every link of a revoked machine and tells the connectors of its organisation. */
  private void revoked(String uid) {
    access.machineRevoked(uid);
    var open = connectionsByUid.remove(uid);
    if (open != null) {
      open.forEach(HttpConnection::close);
    }
    var channel = channels.get(uid);
    if (channel != null) {
      channel.ws.close((short) 1008, "revoked");
    }
    var identity = registry.identity(uid);
    if (identity != null) {
      channels.values().stream()
          .filter(s -> s.device.organisationId() == identity.organisationId())
          .forEach(s -> s.send(new ChannelMessage.Revoked(uid)));
    }
    LOG.info("machine {} revoked: {} connection(s) closed", uid, open == null ? 0 : open.size());
  }

  private void hubEnrolmentChanged(String uid) {
    var identity = registry.identity(uid);
    if (identity == null || identity.via() == null) {
      return;
    }
    if (identity.state() == Enrolment.State.APPROVED) {
      machines.register(identity.organisationId(), List.of(new MachineRef(uid, identity.name(), Role.HUB)),
          identity.via(), false);
    }
    sendEnrolment(identity);
  }

  /**
   * Sends a machine where its enrolment stands (its certificate once approved, also a renewed one):
   * to a connector on its own channel, to a hub through the channel of the connector it came through.
   */
  private void sendEnrolment(Identity identity) {
    var channel = channels.get(identity.via() != null ? identity.via() : identity.uid());
    if (channel != null) {
      channel.send(new ChannelMessage.HubEnrolment(identity.uid(), registry.answer(identity), null));
    }
  }

  /**
   * Sends a renewed certificate to the machine: to a connector on its channel, to a hub through its
   * connector's, to a relay on its relay channel.
   */
  private void certificateRenewed(String uid) {
    var identity = registry.identity(uid);
    if (identity == null) {
      return;
    }
    if (identity.role() == Role.RELAY) {
      var relay = relayLinks.get(uid);
      if (relay != null) {
        relay.sendCertificate(identity);
      }
    } else {
      sendEnrolment(identity);
    }
  }

  // --- enrolment -----------------------------------------------------------------------------

  private void enrol(RoutingContext ctx) {
    var body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ClientError.badRequest("an enrolment request (JSON) is required");
    }
    var request = Wire.fromJsonStrict(body.getBytes(), Enrolment.Request.class);
    String address = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    registry.enrol(request, null, null, address)
        .compose(this::refuseIfClosed)
        .compose(answer -> {
          var identity = registry.identity(answer.uid());
          if (answer.state() == Enrolment.State.APPROVED) {
            return machines.register(identity.organisationId(), List.of(new MachineRef(answer.uid(), identity.name(), identity.role())),
                null, false).map(answer);
          }
          return Future.succeededFuture(answer);
        })
        .onSuccess(answer -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Wire.toJsonString(answer)))
        .onFailure(ctx::fail);
  }

  private Future<Enrolment.Answer> refuseIfClosed(Enrolment.Answer answer) {
    return switch (answer.state()) {
      case REVOKED -> Future.failedFuture(ClientError.forbidden("machine " + answer.uid() + " is revoked"));
      case REJECTED -> Future.failedFuture(ClientError.forbidden("machine " + answer.uid() + " was rejected"));
      default -> Future.succeededFuture(answer);
    };
  }

  // --- ingest --------------------------------------------------------------------------------

  private void requireCbor(RoutingContext ctx) {
    // before the body is read: the closer to the upload's sentAt, the better its clock sample
    ctx.put(RECEIVED_AT, System.currentTimeMillis());
    device(ctx, Role.CONNECTOR, Role.HUB);
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(Wire.CBOR)) {
      throw new ClientError(415, "uploads are " + Wire.CBOR + (type == null ? " (no Content-Type given)" : ", not " + type));
    }
    ctx.next();
  }

  private void ingest(RoutingContext ctx) {
    Device device = device(ctx, Role.CONNECTOR, Role.HUB);
    if (store.queued() > config.limits().maxQueuedMeasurements()) {
      pushedBack.incrementAndGet();
      throw ClientError.tooManyRequests("the cloud's database is behind; send again later", PUSH_BACK_SECONDS);
    }
    var body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ClientError.badRequest("empty upload");
    }
    byte[] bytes = body.getBytes();
    Long receivedAt = ctx.get(RECEIVED_AT);
    long receivedAtMs = receivedAt == null ? System.currentTimeMillis() : receivedAt;
    vertx.executeBlocking(() -> Wire.fromCbor(bytes, Upload.class), false)
        .compose(upload -> {
          if (!upload.via().equals(device.uid())) {
            return Future.failedFuture(ClientError.forbidden("upload via " + upload.via() + ", but the certificate is of " + device.uid()));
          }
          measureClocks(device, upload, receivedAtMs);
          if (device.role() == Role.HUB) {
            // a hub that uploads itself is back, whatever it said before (see Departures)
            departures.returned(device.uid());
          }
          return append(device, upload);
        })
        .onSuccess(ack -> {
          uploads.incrementAndGet();
          ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Wire.toJsonString(ack));
        })
        .onFailure(ctx::fail);
  }

  /**
   * Takes the upload's sample of the uploader's clock (if it says when it was sent) and, from a
   * connector, the offsets of its hubs' clocks against its own, for the approved hubs of its
   * organisation only (see {@link Clocks}).
   */
  private void measureClocks(Device device, Upload upload, long receivedAtMs) {
    var own = upload.sentAt() == null ? clocks.offset(device.uid()) : clocks.sampled(device.uid(), upload.sentAt(), receivedAtMs);
    if (own == null || device.role() != Role.CONNECTOR) {
      return;
    }
    upload.clocks().forEach((hub, offset) -> {
      if (!hub.equals(device.uid()) && mayUploadFor(device, hub)) {
        clocks.relayed(hub, offset, own);
      }
    });
  }

  /** Whether the machine may upload measurements of the source: its own, and a connector those of the approved hubs of its organisation. */
  private boolean mayUploadFor(Device device, String source) {
    if (source.equals(device.uid())) {
      return true;
    }
    var identity = registry.identity(source);
    return device.role() == Role.CONNECTOR && identity != null && identity.organisationId() == device.organisationId()
        && identity.state() == Enrolment.State.APPROVED && identity.role() == Role.HUB;
  }

  /**
   * Stores the batches of sources that may send through this machine: itself, and for a connector
   * the approved hubs of its organisation. The others are refused and counted. The measurement
   * times of sources with a skewed clock are corrected first ({@link Clocks}); once stored, the
   * batches tell each hub's path ({@link Paths}).
   */
  private Future<UploadAck> append(Device device, Upload upload) {
    var accepted = new ArrayList<Batch>(upload.batches().size());
    long refused = 0;
    for (var batch : upload.batches()) {
      if (mayUploadFor(device, batch.source().uid())) {
        accepted.add(batch);
      } else {
        refused += batch.measurements().size();
      }
    }
    if (refused > 0) {
      LOG.warn("{} {}: refused {} measurements of sources that are not approved hubs of its organisation",
          device.role().wireName(), device.uid(), refused);
    }
    if (accepted.isEmpty()) {
      return Future.succeededFuture(new UploadAck(0, 0, refused));
    }
    long refusedCount = refused;
    var allowedUpload = accepted.size() == upload.batches().size() ? upload : upload.withBatches(accepted);
    return store.append(device.organisationId(), inCloudTime(allowedUpload))
        .onSuccess(ack -> {
          for (var batch : accepted) {
            String source = batch.source().uid();
            if (source.equals(device.uid()) && device.role() == Role.HUB) {
              paths.uploaded(source, null, batch.lastSeq());
            } else if (!source.equals(device.uid())) {
              paths.uploaded(source, device.uid(), batch.lastSeq());
            }
          }
        })
        .map(ack -> new UploadAck(ack.stored(), ack.duplicates(), refusedCount));
  }

  /** The upload with the measurement times of each source whose clock is skewed moved into the cloud's clock. */
  private Upload inCloudTime(Upload upload) {
    List<Batch> batches = null;
    for (int i = 0; i < upload.batches().size(); i++) {
      var batch = upload.batches().get(i);
      long correction = clocks.correctionOf(batch.source().uid());
      if (correction == 0) {
        continue;
      }
      if (batches == null) {
        batches = new ArrayList<>(upload.batches());
      }
      batches.set(i, new Batch(batch.source(), batch.firstSeq(), batch.measurements().stream()
          .map(m -> new Measurement(m.sensor(), Clocks.corrected(m.time(), correction), m.state(), m.values(), m.units(), m.message()))
          .toList()));
    }
    return batches == null ? upload : upload.withBatches(batches);
  }

  // --- command channel -----------------------------------------------------------------------

  private void channel(RoutingContext ctx) {
    Device device = device(ctx, Role.CONNECTOR);
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      throw ClientError.badRequest("the command channel is a WebSocket: send Upgrade: websocket");
    }
    ctx.request().toWebSocket()
        .onSuccess(ws -> new Session(device, ws).start())
        .onFailure(e -> LOG.debug("command channel upgrade failed: {}", e.getMessage()));
  }

  private void relayChannel(RoutingContext ctx) {
    Device device = device(ctx, Role.RELAY);
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      throw ClientError.badRequest("the relay channel is a WebSocket: send Upgrade: websocket");
    }
    ctx.request().toWebSocket()
        .onSuccess(ws -> new RelayLink(device, ws).start())
        .onFailure(e -> LOG.debug("relay channel upgrade failed: {}", e.getMessage()));
  }

  /**
   * One relay's channel: it registers with its name and where the ends dial it (the pin is the one
   * of the key it authenticated with here), reports its load and ended sessions, and is told which
   * sessions to expect and which to end.
   */
  private final class RelayLink {
    private final Device device;
    private final ServerWebSocket ws;
    private final java.util.function.Consumer<dev.outpost.protocol.RelayMessage> sender;
    private String name;

    RelayLink(Device device, ServerWebSocket ws) {
      this.device = device;
      this.ws = ws;
      this.sender = message -> {
        if (!ws.isClosed()) {
          ws.writeTextMessage(Wire.toJsonString(message));
        }
      };
    }

    void start() {
      ws.textMessageHandler(this::received);
      ws.closeHandler(v -> {
        relayLinks.remove(device.uid(), this);
        if (name != null) {
          access.relays().unregister(name, sender);
          LOG.info("relay {} ({}) left the pool", name, device.uid());
        }
      });
      ws.exceptionHandler(e -> LOG.debug("relay channel of {}: {}", device.uid(), e.getMessage()));
    }

    private void received(String text) {
      dev.outpost.protocol.RelayMessage message;
      try {
        message = Wire.fromJson(text, dev.outpost.protocol.RelayMessage.class);
      } catch (WireFormatException e) {
        LOG.warn("relay {} sent a bad message: {}", device.uid(), e.getMessage());
        ws.close((short) 1007, "bad message: " + abbreviate(e.getMessage()));
        return;
      }
      if (!registry.mayConnect(device.uid(), device.fingerprint())) {
        ws.close((short) 1008, "revoked");
        return;
      }
      if (message instanceof dev.outpost.protocol.RelayMessage.Register register) {
        if (name != null) {
          ws.close((short) 1008, "registered twice");
          return;
        }
        if (register.lineVersion() != dev.outpost.protocol.RelayWire.VERSION) {
          LOG.warn("relay {} ({}) speaks OUTPOST-RELAY {}, the ends OUTPOST-RELAY {}: not in the pool until it is upgraded",
              register.name(), device.uid(), register.lineVersion(), dev.outpost.protocol.RelayWire.VERSION);
          ws.close((short) 1008, "relay line version " + register.lineVersion() + " unsupported, upgrade the relay");
          return;
        }
        name = register.name();
        var info = new dev.outpost.protocol.RelayInfo(register.name(), register.region(), register.endpoints(),
            register.ports(), dev.outpost.cloud.impl.access.AccessServer.pinOf(device.fingerprint()));
        access.relays().register(new dev.outpost.cloud.impl.access.RelayPool.Relay(info, 0, register.capacity(), 0, sender));
        relayLinks.put(device.uid(), this);
        LOG.info("relay {} ({}, {}) joined the pool: {}", name, register.region(), device.uid(), register.endpoints());
        // a certificate renewed while the relay was away reaches it now
        var identity = registry.identity(device.uid());
        if (identity != null) {
          sendCertificate(identity);
        }
      } else if (name == null) {
        ws.close((short) 1008, "register first");
      } else if (message instanceof dev.outpost.protocol.RelayMessage.Load load) {
        access.relays().load(name, load);
      } else if (message instanceof dev.outpost.protocol.RelayMessage.Expected expected) {
        access.relayExpected(name, dev.outpost.cloud.impl.access.AccessServer.pinOf(device.fingerprint()), expected);
      } else if (message instanceof dev.outpost.protocol.RelayMessage.Ended ended) {
        access.relayEnded(ended);
      } else if (message instanceof dev.outpost.protocol.RelayMessage.Refused refused) {
        access.relayRefused(device.organisationId(), name, refused);
      } else {
        LOG.warn("relay {} sent an unexpected {}", name, message.getClass().getSimpleName());
      }
    }

    /** Sends the relay its current certificate (it installs it when it is newer than its own). */
    void sendCertificate(Identity identity) {
      sender.accept(new dev.outpost.protocol.RelayMessage.Certificate(registry.answer(identity)));
    }
  }

  /** One connector's channel: which machines it serves, and their configurations. */
  private final class Session {
    private final Device device;
    private final ServerWebSocket ws;
    private final Set<String> served = ConcurrentHashMap.newKeySet();
    private io.vertx.core.eventbus.MessageConsumer<String> configured;

    Session(Device device, ServerWebSocket ws) {
      this.device = device;
      this.ws = ws;
    }

    void start() {
      var previous = channels.put(device.uid(), this);
      if (previous != null) {
        previous.ws.close((short) 1000, "replaced by a newer channel");
      }
      configured = vertx.eventBus().consumer(Addresses.MACHINE_CONFIGURED, message -> {
        var machineConfig = Wire.fromJson(message.body(), MachineConfig.class);
        if (served.contains(machineConfig.machine())) {
          send(new ChannelMessage.Configure(machineConfig));
        }
      });
      ws.textMessageHandler(this::received);
      ws.closeHandler(v -> {
        if (channels.remove(device.uid(), this)) {
          access.deviceGone(device.uid());
        }
        configured.unregister();
        LOG.info("command channel of {} closed", device.uid());
      });
      ws.exceptionHandler(e -> LOG.debug("command channel of {}: {}", device.uid(), e.getMessage()));
    }

    private void received(String text) {
      ChannelMessage message;
      try {
        message = Wire.fromJson(text, ChannelMessage.class);
      } catch (WireFormatException e) {
        LOG.warn("connector {} sent a bad channel message: {}", device.uid(), e.getMessage());
        ws.close((short) 1007, "bad message: " + abbreviate(e.getMessage()));
        return;
      }
      if (!registry.mayConnect(device.uid(), device.fingerprint())) {
        ws.close((short) 1008, "revoked");
        return;
      }
      if (message instanceof ChannelMessage.Hello hello) {
        if (!hello.connector().uid().equals(device.uid())) {
          ws.close((short) 1008, "hello names another connector than the certificate");
          return;
        }
        // The connector is here; its hubs are only known to it: they count as seen when they link.
        register(List.of(hello.connector()), true);
        register(approvedHubs(hello.hubs()), false);
        LOG.info("command channel of connector {} ({}) open with {} hubs", hello.connector().name(), device.uid(), hello.hubs().size());
      } else if (message instanceof ChannelMessage.MachinesSeen seen) {
        register(approvedHubs(seen.machines()), true);
      } else if (message instanceof ChannelMessage.EnrolHub enrol) {
        enrolHub(enrol);
      } else if (message instanceof ChannelMessage.SessionLatency latency) {
        access.deviceLatency(device.uid(), latency);
      } else if (message instanceof ChannelMessage.SessionEnded ended) {
        access.deviceEnded(device.uid(), ended);
      } else if (message instanceof ChannelMessage.SessionStreamRefused refused) {
        access.deviceStreamRefused(device.uid(), refused);
      } else if (message instanceof ChannelMessage.SupportState support) {
        access.supportState(device.uid(), support);
      } else if (message instanceof ChannelMessage.FileDone done) {
        String machine = done.outcome().machine();
        var identity = registry.identity(machine);
        if (machine.equals(device.uid()) || served.contains(machine)
            || (identity != null && identity.organisationId() == device.organisationId() && device.uid().equals(identity.via()))) {
          fileOutcomes.accept(device.organisationId(), done.outcome());
        } else {
          LOG.warn("connector {} reported a file outcome of {}, which it does not serve; ignored", device.uid(), machine);
        }
      } else if (message instanceof ChannelMessage.MachineLeft left) {
        var identity = registry.identity(left.uid());
        if (left.uid().equals(device.uid()) || served.contains(left.uid())
            || (identity != null && identity.organisationId() == device.organisationId() && device.uid().equals(identity.via()))) {
          departures.left(left.uid());
          LOG.info("machine {} shut down ({}), says connector {}", left.uid(), left.reason(), device.uid());
        }
      } else {
        LOG.warn("connector {} sent an unexpected {}", device.uid(), message.getClass().getSimpleName());
      }
    }

    /** The hubs among the refs that are approved in the connector's organisation. */
    private List<MachineRef> approvedHubs(List<MachineRef> refs) {
      return refs.stream().filter(ref -> {
        Identity identity = registry.identity(ref.uid());
        return identity != null && identity.organisationId() == device.organisationId()
            && identity.state() == Enrolment.State.APPROVED && ref.role() == Role.HUB;
      }).toList();
    }

    private void enrolHub(ChannelMessage.EnrolHub enrol) {
      registry.enrol(enrol.request(), device.organisationId(), device.uid(), enrol.address())
          .onSuccess(answer -> {
            if (answer.state() == Enrolment.State.APPROVED) {
              var identity = registry.identity(answer.uid());
              register(List.of(new MachineRef(answer.uid(), identity.name(), Role.HUB)), true);
            }
            send(new ChannelMessage.HubEnrolment(answer.uid(), answer, null));
          })
          .onFailure(e -> {
            String uid = uidOf(enrol.request());
            LOG.warn("connector {}: enrolment of hub {} refused: {}", device.uid(), uid, e.getMessage());
            if (uid != null) {
              send(new ChannelMessage.HubEnrolment(uid, null, e.getMessage()));
            }
          });
    }

    /**
     * Registers machines the connector reports as served by it.
     *
     * @param linked whether they are there now (the connector itself, a hub that linked): seen now,
     *               and back if they had said goodbye; else only known to it (the hubs in its hello)
     */
    private void register(List<MachineRef> refs, boolean linked) {
      if (refs.isEmpty()) {
        return;
      }
      machines.register(device.organisationId(), refs, device.uid(), linked)
          .onSuccess(registered -> {
            for (Machine machine : registered) {
              served.add(machine.uid());
              if (linked) {
                departures.returned(machine.uid());
              }
              if (machine.role() == Role.HUB && !machine.uid().equals(device.uid())) {
                if (linked) {
                  paths.linked(machine.uid(), device.uid());
                } else {
                  paths.known(machine.uid(), device.uid());
                }
              }
              send(new ChannelMessage.Configure(machine.config()));
            }
          })
          .onFailure(e -> {
            LOG.warn("connector {}: cannot register {}: {}", device.uid(), refs.stream().map(MachineRef::uid).toList(), e.getMessage());
            if (e instanceof ClientError) {
              ws.close((short) 1008, abbreviate(e.getMessage()));
            }
          });
    }

    void send(ChannelMessage message) {
      if (!ws.isClosed()) {
        ws.writeTextMessage(Wire.toJsonString(message));
      }
    }
  }

  /** The uid a signing request names, or null if it cannot be read. */
  private static String uidOf(Enrolment.Request request) {
    try {
      String cn = dev.outpost.crypto.SigningRequest.parse(request.csr()).commonName();
      return Wire.isValidId(cn) ? cn : null;
    } catch (CryptoException e) {
      return null;
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

  static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return header.substring(7).trim();
  }

}
