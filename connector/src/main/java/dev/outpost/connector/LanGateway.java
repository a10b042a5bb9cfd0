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
import io.vertx.core.http.ServerWebSocket;
import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.MachineCertificates;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.FileTask;
import dev.outpost.protocol.FileOutcome;
import dev.outpost.transport.Dialer;
import dev.outpost.transport.VertxTls;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's LAN side: a TLS WebSocket endpoint where hubs deliver their batches. A frame is
 * acknowledged only after the connector's own durable write; configurations from the cloud are
 * passed on to the hub they are for, at once if it is linked, else when it next says hello.
 *
 * <p>A hub with a certificate from the organisation's CA (role hub, not revoked) links and sends;
 * a hub without one may only ask to be enrolled, which the connector passes on to the cloud over
 * its command channel, and answers when the cloud does. Revocations from the cloud close the hub's
 * link at once and are kept in {@code revoked.json}, so they hold across restarts and outages.
 */
public final class LanGateway extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(LanGateway.class);
  private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
  /** Above this many queued measurements the connector holds back hub acknowledgements… */
  static final long HIGH_WATER = 100_000;
  /** …until the uplink has brought the queue below this. */
  static final long LOW_WATER = 50_000;
  private static final long THROTTLE_CHECK_MS = 10;
  /** Marks a session whose certificate failed the checks. */
  private static final String INVALID = "\u0000invalid";

  private final ConnectorConfig config;
  private final Outbox outbox;
  private final HubConfigs hubConfigs;
  private final Map<String, ServerWebSocket> linked = new HashMap<>();
  private final Map<String, ServerWebSocket> enrolling = new HashMap<>();
  /** The uid each connection's certificate was checked for at its handshake, until the WebSocket is accepted. */
  private final Map<String, String> checkedAtHandshake = new HashMap<>();
  private final List<Runnable> heldAcks = new java.util.ArrayList<>();
  private boolean throttled;
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  /** Each hub's clock against this one, from the send times on its frames; read by the uplink. */
  private final Map<String, ClockOffset> clocks = new ConcurrentHashMap<>();
  private final Revocations revocations;
  private X509Certificate ca;
  private HttpServer server;
  private final FileForwarding files;

  public LanGateway(ConnectorConfig config, Outbox outbox, HubConfigs hubConfigs) {
    this(config, outbox, hubConfigs, null);
  }

  /**
   * @param dialer the connector's way to the cloud, through which hubs' signed file requests pass;
   *               null: the gateway passes none (404)
   */
  public LanGateway(ConnectorConfig config, Outbox outbox, HubConfigs hubConfigs, Dialer dialer) {
    this.config = config;
    this.outbox = outbox;
    this.hubConfigs = hubConfigs;
    this.revocations = new Revocations(config.dataDir());
    this.files = dialer == null ? null : new FileForwarding(dialer);
  }

  @Override
  public Future<?> start() {
    var tls = TlsFiles.inFolder(config.dataDir());
    // Hubs present their certificates when they have one (checked against ca.pem); new hubs connect without.
    server = vertx.createHttpServer(VertxTls.httpServer(tls)
        .setHost(config.lanHost())
        .setPort(config.lanPort())
        .setMaxWebSocketMessageSize(MAX_MESSAGE_BYTES));
    server.webSocketHandshakeHandler(handshake -> {
      if (!ConnectorLink.PATH.equals(handshake.path())) {
        handshake.reject(404);
        return;
      }
      String uid = certified(certificates(handshake::peerCertificates), handshake.remoteAddress());
      if (INVALID.equals(uid) || (uid != null && revoked.contains(uid))) {
        log.warn("refused hub {} from {}: {}", uid == null || INVALID.equals(uid) ? "link" : uid, handshake.remoteAddress(),
            INVALID.equals(uid) ? "invalid certificate" : "revoked");
        handshake.reject(403);
      } else {
        if (uid != null && handshake.remoteAddress() != null) {
          checkedAtHandshake.put(handshake.remoteAddress().toString(), uid);
        }
        handshake.accept();
      }
    });
    server.webSocketHandler(this::accept);
    server.requestHandler(request -> {
      if (files != null && request.path().startsWith(FileForwarding.PREFIX)) {
        String uid = certified(certificates(request.connection()::peerCertificates), request.remoteAddress());
        files.forward(vertx, request, uid == null || INVALID.equals(uid) || revoked.contains(uid) ? null : uid);
      } else {
        request.response().setStatusCode(404).end();
      }
    });
    vertx.eventBus().<MachineConfig>consumer(ConnectorAddresses.HUB_CONFIG, message -> forward(message.body()));
    vertx.eventBus().<ChannelMessage.HubEnrolment>consumer(ConnectorAddresses.HUB_ENROLMENT, message -> enrolment(message.body()));
    vertx.eventBus().<String>consumer(ConnectorAddresses.REVOKED, message -> revoke(message.body()));
    vertx.eventBus().<String>consumer(ConnectorAddresses.HUB_FILE, message -> fileTask(message.body()));
    vertx.eventBus().<ChannelMessage.MoveHub>consumer(ConnectorAddresses.HUB_MOVE, message -> {
      ServerWebSocket ws = linked.get(message.body().hub());
      if (ws != null) {
        ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.Move(message.body().connector()))));
      }
    });
    vertx.eventBus().<String>consumer(ConnectorAddresses.CERTIFICATE_RENEWED, message ->
        server.updateSSLOptions(VertxTls.httpServer(tls).getSslOptions(), true)
            .onSuccess(v -> log.info("the LAN gateway serves the renewed certificate"))
            .onFailure(e -> log.error("cannot serve the renewed certificate: {}", e.getMessage())));
    return vertx.executeBlocking(() -> {
      ca = Pem.readCertificates(tls.ca()).get(0);
      revoked.addAll(revocations.load());
      return null;
    }).compose(v -> server.listen());
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

  /** Hubs' signed file requests passed on to the cloud since start. */
  public long filesForwarded() {
    return files == null ? 0 : files.forwarded();
  }

  /**
   * Thread-safe. The clock offset of every hub that sent measurements since the start, in ms ahead
   * of this connector's clock: the uploads carry them, and the cloud adds this connector's own.
   */
  public Map<String, Long> clockOffsets() {
    var offsets = new HashMap<String, Long>();
    clocks.forEach((uid, clock) -> offsets.put(uid, clock.estimate()));
    return offsets;
  }

  private void accept(ServerWebSocket ws) {
    String checked = ws.remoteAddress() == null ? null : checkedAtHandshake.remove(ws.remoteAddress().toString());
    var session = new Session(ws, checked != null ? checked : certified(certificates(ws::peerCertificates), ws.remoteAddress()));
    ws.binaryMessageHandler(session::received);
    ws.textMessageHandler(text -> session.refuse("text frames are not part of the LAN protocol"));
    ws.closeHandler(v -> session.closed());
    ws.exceptionHandler(e -> log.debug("hub link {}: {}", ws.remoteAddress(), e.getMessage()));
  }

  /**
   * Acknowledges a stored frame, at once while the connector's outbox is below {@link #HIGH_WATER};
   * above it, acknowledgements wait until the uplink has brought the outbox below
   * {@link #LOW_WATER}. Each hub has only a few frames unacknowledged, so this slows the hubs down
   * (they keep their measurements in their own outboxes) and leaves the connector's CPU and disk to
   * the uplink: the site delivers at the rate the cloud link sustains instead of piling up here.
   */
  private void acknowledge(ServerWebSocket ws, long frameId) {
    if (!throttled && outbox.depth() > HIGH_WATER) {
      throttled = true;
      log.debug("outbox above {} measurements: holding hub acknowledgements", HIGH_WATER);
      vertx.setPeriodic(THROTTLE_CHECK_MS, id -> {
        if (outbox.depth() <= LOW_WATER) {
          vertx.cancelTimer(id);
          throttled = false;
          heldAcks.forEach(Runnable::run);
          heldAcks.clear();
        }
      });
    }
    Runnable ack = () -> {
      if (!ws.isClosed()) {
        ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.Ack(frameId))));
      }
    };
    if (throttled) {
      heldAcks.add(ack);
    } else {
      ack.run();
    }
  }

  /** What the peer presented: a certificate chain, or an empty list. */
  private interface PeerCertificates {
    List<java.security.cert.Certificate> get() throws Exception;
  }

  private static List<X509Certificate> certificates(PeerCertificates peer) {
    try {
      var certificates = peer.get();
      return certificates == null ? List.of() : certificates.stream().map(X509Certificate.class::cast).toList();
    } catch (Exception e) {
      return List.of();
    }
  }

  /** The uid in the hub's certificate, checked against the CA and the role; null without a certificate. */
  private String certified(List<X509Certificate> chain, Object from) {
    if (chain.isEmpty()) {
      return null;
    }
    try {
      return MachineCertificates.verify(chain, ca, Role.HUB.wireName(), Instant.now()).uid();
    } catch (CryptoException e) {
      log.warn("refused a hub certificate from {}: {}", from, e.getMessage());
      return INVALID;
    }
  }

  private void enrolment(ChannelMessage.HubEnrolment enrolment) {
    ServerWebSocket ws = enrolling.containsKey(enrolment.uid()) ? enrolling.get(enrolment.uid()) : linked.get(enrolment.uid());
    if (ws != null && !ws.isClosed()) {
      ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.EnrolmentState(enrolment.uid(), enrolment.answer(),
          enrolment.refused()))));
    }
  }

  /** Passes a file task on to its hub; reports it failed at once when the hub is not linked. */
  private void fileTask(String json) {
    var task = Wire.fromJson(json, FileTask.class);
    ServerWebSocket ws = linked.get(task.machine());
    if (ws != null && !ws.isClosed()) {
      ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.File(task))));
    } else {
      var failed = new FileOutcome(task.file(), task.machine(), false, "the hub is not linked to its connector");
      vertx.eventBus().publish(ConnectorAddresses.TO_CLOUD, Wire.toJsonString(new ChannelMessage.FileDone(failed)));
    }
  }

  private void revoke(String uid) {
    if (revoked.add(uid)) {
      vertx.executeBlocking(() -> {
        revocations.save(revoked);
        return null;
      }).onFailure(e -> log.error("cannot keep the revocation of {}: {}", uid, e.getMessage()));
    }
    ServerWebSocket ws = linked.remove(uid);
    if (ws != null) {
      ws.close((short) 1008, "revoked");
      log.warn("hub {} revoked: link closed", uid);
    }
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
    private final String certifiedUid;
    private MachineRef hub;
    private String enrollingUid;

    Session(ServerWebSocket ws, String certifiedUid) {
      this.ws = ws;
      this.certifiedUid = certifiedUid;
    }

    void received(Buffer buffer) {
      LanMessage message;
      try {
        message = Wire.fromCbor(buffer.getBytes(), LanMessage.class);
      } catch (WireFormatException e) {
        refuse("bad frame: " + e.getMessage());
        return;
      }
      if (INVALID.equals(certifiedUid)) {
        refuse("the hub's certificate is not valid here");
      } else if (message instanceof LanMessage.Enrol enrol) {
        enrol(enrol);
      } else if (message instanceof LanMessage.Hello hello) {
        hello(hello);
      } else if (hub == null) {
        refuse("the first frame must be hello");
      } else if (message instanceof LanMessage.Batches batches) {
        store(batches);
      } else if (message instanceof LanMessage.FileDone done) {
        if (!done.outcome().machine().equals(hub.uid())) {
          refuse("hub " + hub.uid() + " reported a file outcome of " + done.outcome().machine());
          return;
        }
        vertx.eventBus().publish(ConnectorAddresses.TO_CLOUD, Wire.toJsonString(new ChannelMessage.FileDone(done.outcome())));
      } else if (message instanceof LanMessage.Goodbye goodbye) {
        log.info("hub {} shuts down: {}", hub.uid(), goodbye.reason());
        vertx.eventBus().publish(ConnectorAddresses.MACHINE_LEFT, hub.uid());
      } else {
        refuse("unexpected " + message.getClass().getSimpleName());
      }
    }

    private void enrol(LanMessage.Enrol enrol) {
      if (certifiedUid != null || hub != null) {
        refuse("this hub is enrolled already");
        return;
      }
      String uid;
      try {
        uid = SigningRequest.parse(enrol.request().csr()).commonName();
      } catch (CryptoException e) {
        refuse("bad signing request: " + e.getMessage());
        return;
      }
      if (revoked.contains(uid)) {
        refuse("hub " + uid + " is revoked");
        return;
      }
      enrollingUid = uid;
      enrolling.put(uid, ws);
      String address = ws.remoteAddress() == null ? null : ws.remoteAddress().hostAddress();
      vertx.eventBus().send(ConnectorAddresses.HUB_ENROL, new ChannelMessage.EnrolHub(enrol.request(), address));
    }

    private void hello(LanMessage.Hello hello) {
      if (hub != null) {
        refuse("hello sent twice");
        return;
      }
      if (certifiedUid == null) {
        refuse("enrol first: a hub links with its certificate");
        return;
      }
      if (!certifiedUid.equals(hello.machine().uid())) {
        refuse("hello names " + hello.machine().uid() + ", the certificate " + certifiedUid);
        return;
      }
      if (revoked.contains(certifiedUid)) {
        refuse("hub " + certifiedUid + " is revoked");
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
      // Where the cloud is, for the hub's fallback when this connector is gone (no proxy secrets).
      ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.CloudRoute(config.cloud().endpoints(), config.cloud().ports()))));
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
      if (frame.sentAt() != null) {
        clocks.computeIfAbsent(hub.uid(), uid -> new ClockOffset()).sample(frame.sentAt(), System.currentTimeMillis());
      }
      for (Batch batch : frame.batches()) {
        if (!batch.source().uid().equals(hub.uid())) {
          refuse("hub " + hub.uid() + " sent measurements of " + batch.source().uid());
          return;
        }
      }
      Future.fromCompletionStage(outbox.store(frame.batches()), context).onComplete(stored -> {
        if (stored.succeeded()) {
          vertx.eventBus().publish(HubAddresses.MEASUREMENTS_STORED, frame.batches().size());
          acknowledge(ws, frame.id());
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
      if (enrollingUid != null && enrolling.get(enrollingUid) == ws) {
        enrolling.remove(enrollingUid);
      }
      if (hub != null && linked.get(hub.uid()) == ws) {
        linked.remove(hub.uid());
        log.info("hub {} unlinked", hub.uid());
      }
    }
  }
}
