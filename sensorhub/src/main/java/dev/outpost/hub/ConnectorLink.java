package dev.outpost.hub;

import dev.outpost.protocol.FileOutcome;
import dev.outpost.protocol.LanMessage;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import dev.outpost.crypto.TlsFiles;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import dev.outpost.transport.DialResponse;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.PinnedCa;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.EnrolmentToken;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's end of the LAN link: one WebSocket over TLS to the connector's gateway. Sends the
 * outbox in frames of up to {@link HubConfig.Link#maxBatchMeasurements()} measurements, a few
 * frames ahead, and removes a frame's entries from the outbox only when the connector acknowledged
 * it. Anything unacknowledged when the link drops is sent again on the next link, fresh
 * measurements first and the backlog behind them at a bounded rate ({@link FreshFirst}); the cloud
 * discards repeats by (source, sequence number). Configurations from the connector go to
 * {@link HubAddresses#CONFIG_RECEIVED}; the cloud route it names is kept for the fallback
 * ({@link DirectFallback}), which may end this link for good with {@link #leave()}.
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
  private volatile WebSocketClient client;
  private WebSocket socket;
  private FreshFirst order;
  /** When the link last went down (or the hub started without one), ms; 0 while linked. */
  private volatile long unlinkedSince = System.currentTimeMillis();
  /** The hub uploads directly now: no more links to a connector until the service restarts. */
  private boolean left;
  private long nextFrameId = 1;
  private boolean peeking;
  private int failures;
  private long retryTimer = -1;
  private long pollTimer = -1;
  private boolean stopped;
  private PinnedCa trust;
  private volatile EnrolmentKeys.Pending pending;
  private boolean waitingLogged;
  private boolean reconnectNow;
  /** The link on which this hub said hello with its certificate: only there does it send measurements. */
  private WebSocket helloSent;
  private boolean connecting;
  private volatile String target;
  private volatile String remembered;
  /** Every connector discovery reported, by uid: where to go when an admin moves this hub. */
  private final Map<String, String> seen = new HashMap<>();
  private static final long ENROL_AGAIN_MS = 30_000;
  /** How long a file request through the connector may take. */
  private static final long FILE_TIMEOUT_MS = 120_000;
  /** Bumped by every enrolment request and answer, so a stale re-ask timer does nothing. */
  private long enrolAsks;

  public ConnectorLink(MachineRef machine, HubConfig config, Outbox outbox, LongSupplier configVersion) {
    this.machine = machine;
    this.config = config;
    this.target = config.discovers() ? null : config.connectorHost() + ":" + config.connectorPort();
    this.outbox = outbox;
    this.configVersion = configVersion;
  }

  @Override
  public Future<?> start() {
    order = new FreshFirst(outbox, config.link().backlogPerSecond());
    vertx.eventBus().<Integer>consumer(HubAddresses.MEASUREMENTS_STORED, m -> pump());
    vertx.eventBus().<String>consumer(HubAddresses.FILE_DONE, m -> {
      if (socket != null && helloSent == socket) {
        socket.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.FileDone(
            Wire.fromJson(m.body(), FileOutcome.class)))));
      }
    });
    pollTimer = vertx.setPeriodic(1_000, id -> pump());
    return vertx.executeBlocking(this::clientOptions).map(options -> {
      client = vertx.createWebSocketClient(options);
      connect();
      return null;
    });
  }

  /**
   * Blocking. How to reach the connector: TLS where the connector is recognised by identity, not by
   * address — its certificate must come from the organisation's CA with the role connector. An
   * enrolled hub presents its own certificate. A hub that still enrols has no {@code ca.pem} yet: it
   * trusts the CA with the pin of its token, or without a token the CA it meets first.
   */
  private WebSocketClientOptions clientOptions() {
    var tls = TlsFiles.inFolder(config.dataDir());
    remembered = RememberedConnector.load(config.dataDir());
    var options = new WebSocketClientOptions()
        .setSsl(true)
        .setVerifyHost(false)   // checked by identity (CA and role) in the trust manager
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3", "TLSv1.2"))
        .setMaxMessageSize(MAX_MESSAGE_BYTES)
        .setConnectTimeout(10_000);
    String connectorRole = dev.outpost.protocol.Role.CONNECTOR.wireName();
    if (tls.hasIdentity()) {
      pending = null;
      trust = new PinnedCa(MachineKeys.pin(Pem.readCertificates(tls.ca()).get(0).getPublicKey()), connectorRole);
      options.setKeyCertOptions(new PemKeyCertOptions().setKeyPath(tls.key().toString()).setCertPath(tls.certificate().toString()));
    } else {
      pending = EnrolmentKeys.loadOrCreate(config.dataDir(), machine.uid());
      if (config.token() != null) {
        trust = new PinnedCa(EnrolmentToken.parse(config.token()).caPin(), connectorRole);
      } else if (java.nio.file.Files.exists(tls.ca())) {
        trust = new PinnedCa(MachineKeys.pin(Pem.readCertificates(tls.ca()).get(0).getPublicKey()), connectorRole);
      } else {
        trust = PinnedCa.firstUse(connectorRole);
      }
    }
    return options.setTrustOptions(TrustOptions.wrap(trust));
  }

  /** True once the hub has its certificate. */
  public boolean enrolled() {
    return pending == null && client != null;
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(pollTimer);
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    Future<Void> closed = Future.succeededFuture();
    if (socket != null) {
      var ws = socket;
      closed = (pending == null ? ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.Goodbye("shut down"))))
          : Future.<Void>succeededFuture()).recover(e -> Future.succeededFuture()).compose(v -> ws.close((short) 1001, "shut down"));
    }
    return closed.recover(e -> Future.succeededFuture()).compose(v -> client.close());
  }

  /**
   * Blocking (call it from a worker). Sends a signed file request ({@code /files/v1/…}) to the
   * connector's gateway, which passes it on to the cloud: the hub's certificate opens the gateway,
   * the signature opens the file. The connector is checked as on the link (organisation CA, role).
   *
   * @throws IllegalStateException when the hub is not linked to a connector
   */
  public DialResponse viaConnector(String method, String url, byte[] body) throws Exception {
    String at = target;
    if (at == null || socket == null || pending != null) {
      throw new IllegalStateException("not linked to a connector");
    }
    var tls = TlsFiles.inFolder(config.dataDir());
    var http = vertx.createHttpClient(new HttpClientOptions()
        .setSsl(true)
        .setVerifyHost(false)   // checked by identity (CA and role) in the trust manager
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3", "TLSv1.2"))
        .setConnectTimeout(10_000)
        .setTrustOptions(TrustOptions.wrap(trust))
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(tls.key().toString()).setCertPath(tls.certificate().toString())));
    try {
      int colon = at.lastIndexOf(':');
      var options = new RequestOptions()
          .setMethod(HttpMethod.valueOf(method))
          .setHost(at.substring(0, colon))
          .setPort(Integer.parseInt(at.substring(colon + 1)))
          .setURI(url)
          .setIdleTimeout(FILE_TIMEOUT_MS);
      return http.request(options)
          .compose(request -> body == null ? request.send() : request.send(Buffer.buffer(body)))
          .compose(response -> response.body().map(bytes -> new DialResponse(response.statusCode(),
              Map.of(), bytes.getBytes())))
          .toCompletionStage().toCompletableFuture().get(FILE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } finally {
      http.close();
    }
  }

  /** True while the link to the connector is open. */
  public boolean connected() {
    return socket != null;
  }

  /** Since when the hub has had no link to a connector (epoch ms), or 0 while it has one. */
  public long unlinkedSince() {
    return unlinkedSince;
  }

  /** The hub goes direct (the fallback): it stops looking for its connector until it restarts. */
  public void leave() {
    context.runOnContext(v -> {
      left = true;
      if (retryTimer >= 0) {
        vertx.cancelTimer(retryTimer);
        retryTimer = -1;
      }
      if (socket != null) {
        socket.close((short) 1000, "uploading directly");
      }
    });
  }

  /**
   * UPnP found a connector. The hub links to the connector it remembers (by uid, wherever it is
   * now); before it has one, to the first it finds. Another connector is ignored.
   */
  public void connectorFound(dev.outpost.hub.discovery.Found found) {
    context.runOnContext(v -> {
      seen.put(found.uid(), found.hostPort());
      if (remembered != null && !remembered.equals(found.uid())) {
        log.debug("ignored connector {} at {}: this hub belongs to {}", found.uid(), found.hostPort(), remembered);
        return;
      }
      String previous = target;
      target = found.hostPort();
      if (!target.equals(previous)) {
        log.info("found connector {} ({}) at {}", found.name(), found.uid(), target);
      }
      if (socket == null && !connecting && !left) {
        if (retryTimer >= 0) {
          // It is there (again, perhaps on another port): no need to wait out the backoff.
          vertx.cancelTimer(retryTimer);
          retryTimer = -1;
          failures = 0;
        }
        if (retryTimer < 0) {
          connect();
        }
      }
    });
  }

  private void connect() {
    if (target == null || left) {
      return;   // discovery will call connectorFound
    }
    int colon = target.lastIndexOf(':');
    connecting = true;
    var options = new WebSocketConnectOptions()
        .setHost(target.substring(0, colon))
        .setPort(Integer.parseInt(target.substring(colon + 1)))
        .setSsl(true)
        .setURI(PATH);
    client.connect(options).onComplete(result -> {
      connecting = false;
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
    order.restart();
    String connectorUid = connectorUid(ws);
    if (connectorUid == null || (remembered != null && !remembered.equals(connectorUid))) {
      log.warn("the connector at {} is {}, not the one this hub belongs to ({}); closing", target, connectorUid, remembered);
      ws.close((short) 1008, "not my connector");
      return;
    }
    log.info("linked to connector {} at {}", connectorUid, target);
    if (pending == null && !connectorUid.equals(remembered)) {
      remembered = connectorUid;
      vertx.executeBlocking(() -> {
        RememberedConnector.save(config.dataDir(), connectorUid);
        return null;
      }).onFailure(e -> log.warn("cannot remember the connector: {}", e.getMessage()));
    }
    ws.binaryMessageHandler(this::received);
    ws.closeHandler(v -> closed(ws, "closed by the connector"));
    ws.exceptionHandler(e -> log.debug("link error: {}", e.getMessage()));
    if (pending != null) {
      askToEnrol(ws);
      return;
    }
    ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.Hello(Wire.VERSION, machine, configVersion.getAsLong()))));
    helloSent = ws;
    unlinkedSince = 0;
    pump();
  }

  /** The cloud renewed this hub's certificate: keep it and link again with it, without a restart. */
  private void renewed(WebSocket ws, LanMessage.EnrolmentState state) {
    if (state.answer() == null || state.answer().state() != Enrolment.State.APPROVED) {
      return;
    }
    vertx.executeBlocking(() -> {
      EnrolmentKeys.renew(config.dataDir(), machine.uid(), machine.role(), state.answer());
      return clientOptions();
    }).onSuccess(options -> {
      log.info("installed this hub's renewed certificate; linking with it");
      var old = client;
      client = vertx.createWebSocketClient(options);
      reconnectNow = true;
      ws.close((short) 1000, "certificate renewed").eventually(old::close);
    }).onFailure(e -> log.error("refused a renewed certificate: {}", e.getMessage()));
  }

  /** An admin moved this hub to another connector: remember it, leave this one, link there. */
  private void moved(String connectorUid) {
    log.info("moved to connector {} by an admin", connectorUid);
    remembered = connectorUid;
    vertx.executeBlocking(() -> {
      RememberedConnector.save(config.dataDir(), connectorUid);
      return null;
    }).onComplete(saved -> {
      target = seen.get(connectorUid);
      if (socket != null) {
        reconnectNow = target != null;
        socket.close((short) 1000, "moved to another connector");
      }
    });
  }

  /**
   * The uid (CN) in the connector's certificate. The trust manager ({@link PinnedCa}) checked the
   * chain against the CA and the role during the handshake, so it is only read here.
   */
  private String connectorUid(WebSocket ws) {
    try {
      var leaf = (java.security.cert.X509Certificate) ws.peerCertificates().get(0);
      for (var rdn : new javax.naming.ldap.LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
      return null;
    } catch (Exception e) {
      log.warn("cannot read the connector's certificate: {}", e.getMessage());
      return null;
    }
  }

  private void askToEnrol(WebSocket ws) {
    var request = new Enrolment.Request(Wire.VERSION, config.token(), pending.csr(), machine.name(), machine.role());
    ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(new LanMessage.Enrol(request))));
    long asked = ++enrolAsks;
    // No answer at all (the connector lost it, e.g. its cloud link was down): ask again.
    vertx.setTimer(ENROL_AGAIN_MS, id -> {
      if (socket == ws && pending != null && enrolAsks == asked) {
        askToEnrol(ws);
      }
    });
  }

  private void enrolment(LanMessage.EnrolmentState state) {
    enrolAsks++;
    WebSocket ws = socket;
    if (ws == null) {
      return;
    }
    if (pending == null) {
      renewed(ws, state);
      return;
    }
    if (state.refused() != null) {
      log.error("the connector refused this hub's enrolment: {}", state.refused());
      ws.close((short) 1000, "enrolment refused");
      return;
    }
    var answer = state.answer();
    switch (answer.state()) {
      case PENDING -> {
        if (!waitingLogged) {
          log.info("waiting for an admin to approve this hub ({}, key {})", machine.uid(), pending.fingerprint());
          waitingLogged = true;
        }
        vertx.setTimer(ENROL_AGAIN_MS, id -> {
          if (socket == ws && pending != null) {
            askToEnrol(ws);
          }
        });
      }
      case APPROVED -> {
        var seenCa = trust.ca();
        vertx.executeBlocking(() -> {
          EnrolmentKeys.complete(config.dataDir(), machine.uid(), machine.role(), pending, answer, seenCa);
          return clientOptions();
        }).onSuccess(options -> {
          log.info("enrolled: this hub's certificate is stored; linking with it");
          var old = client;
          client = vertx.createWebSocketClient(options);
          reconnectNow = true;
          ws.close((short) 1000, "enrolled").eventually(old::close);
        }).onFailure(e -> {
          log.error("the enrolment answer is not acceptable: {}", e.getMessage());
          ws.close((short) 1000, "bad enrolment answer");
        });
      }
      default -> {
        log.error("this hub's enrolment was {}; it will not link", answer.state().wireName());
        ws.close((short) 1000, "enrolment " + answer.state().wireName());
      }
    }
  }

  private void closed(WebSocket ws, String why) {
    if (socket != ws) {
      return;
    }
    socket = null;
    if (!inFlight.isEmpty()) {
      // The connector may have stored frames whose acknowledgement the link took with it.
      outbox.mayHaveArrived(inFlight.values().stream().flatMap(List::stream).toList());
    }
    inFlight.clear();
    if (unlinkedSince == 0) {
      unlinkedSince = System.currentTimeMillis();
    }
    if (reconnectNow && !stopped) {
      reconnectNow = false;
      connect();
    } else if (!stopped) {
      retryLater(why);
    }
  }

  private void retryLater(String why) {
    if (left) {
      return;
    }
    failures++;
    long cap = Math.min(config.link().retryMax().toMillis(),
        config.link().retryMin().toMillis() << Math.min(failures - 1, 16));
    long wait = Math.max(config.link().retryMin().toMillis() / 2, ThreadLocalRandom.current().nextLong(cap + 1));
    if (failures == 1 || failures % 10 == 0) {
      log.warn("no link to connector {} ({}); retrying in {} ms", target, why, wait);
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
    } else if (message instanceof LanMessage.Move move) {
      moved(move.connector());
    } else if (message instanceof LanMessage.EnrolmentState state) {
      enrolment(state);
    } else if (message instanceof LanMessage.CloudRoute route) {
      vertx.executeBlocking(() -> {
        RememberedCloudRoute.save(config.dataDir(), route);
        return null;
      }).onFailure(e -> log.warn("cannot keep the cloud route for the fallback: {}", e.getMessage()));
    } else if (message instanceof LanMessage.File file) {
      vertx.eventBus().publish(HubAddresses.FILE_TASK, Wire.toJsonString(file.task()));
    } else if (message instanceof LanMessage.Configure configure) {
      MachineConfig machineConfig = configure.config();
      vertx.eventBus().publish(HubAddresses.CONFIG_RECEIVED, machineConfig);
    } else {
      log.warn("unexpected {} from the connector; ignored", message.getClass().getSimpleName());
    }
  }

  /** Sends more of the outbox while the link is open and the window has room. */
  private void pump() {
    if (socket == null || helloSent != socket || pending != null || peeking || inFlight.size() >= config.link().maxInFlight() || outbox.depth() == 0) {
      return;
    }
    peeking = true;
    WebSocket ws = socket;
    Future.fromCompletionStage(order.next(config.link().maxBatchMeasurements()), context)
        .onComplete(result -> {
          peeking = false;
          if (ws != socket || result.failed() || result.result().isEmpty()) {
            return;
          }
          var entries = result.result();
          long id = nextFrameId++;
          inFlight.put(id, entries.stream().map(Outbox.Entry::key).toList());
          var frame = new LanMessage.Batches(id, entries.stream().map(Outbox.Entry::batch).toList(), System.currentTimeMillis());
          ws.writeBinaryMessage(Buffer.buffer(Wire.toCbor(frame)));
          pump();
        });
  }
}
