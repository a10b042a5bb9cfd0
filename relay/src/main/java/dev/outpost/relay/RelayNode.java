package dev.outpost.relay;

import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.PinnedCa;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.EnrolmentToken;
import dev.outpost.protocol.RelayMessage;
import dev.outpost.protocol.RelayWire;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import dev.outpost.transport.Channel;
import dev.outpost.transport.ChannelListener;
import dev.outpost.transport.Dialer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A relay as it runs in the pool: the {@link RelayServer}, enrolled at the cloud with a relay token
 * on its first start (its key never leaves it), and registered with the access server over one
 * outbound channel ({@code /relay/v1/channel}, mutual TLS): it says where the ends dial it, reports
 * its load every few seconds and every ended session for the audit, and takes the sessions to
 * expect and the ones to end. The channel is reopened with backoff whenever it drops; sessions
 * that run go on meanwhile.
 */
public final class RelayNode {
  public static final String CHANNEL_PATH = "/relay/v1/channel";
  static final String ENROL_PATH = "/device/v1/enrol";
  private static final Logger log = LoggerFactory.getLogger(RelayNode.class);
  private static final long LOAD_EVERY_MS = 2_000;
  /** Refusals reported to the access server per second at most; the rest are counted as suppressed. */
  static final int REFUSALS_PER_SECOND = 10;

  private final Vertx vertx;
  private final RelayNodeConfig config;
  private final RelayServer server;
  private final Dialer dialer;
  private volatile Channel channel;
  private volatile boolean stopped;
  private int failures;
  private long loadTimer = -1;
  private long refusalSecond;
  private int refusalsThisSecond;
  private int suppressedRefusals;

  private RelayNode(Vertx vertx, RelayNodeConfig config, RelayServer server, Dialer dialer) {
    this.vertx = vertx;
    this.config = config;
    this.server = server;
    this.dialer = dialer;
  }

  /** Enrols the relay if needed, starts the server and opens the channel to the access server. */
  public static Future<RelayNode> start(Vertx vertx, RelayNodeConfig config) {
    return vertx.executeBlocking(() -> {
      enrol(config);
      return Dialer.create(config.cloud(), TlsFiles.inFolder(config.relay().dataDir()));
    }).compose(dialer -> {
      var server = RelayServer.create(vertx, config.relay());
      var node = new RelayNode(vertx, config, server, dialer);
      server.sessionEndedHandler(node::ended);
      server.refusalHandler(node::refused);
      return server.start().map(v -> {
        node.connect();
        node.loadTimer = vertx.setPeriodic(LOAD_EVERY_MS, id -> node.reportLoad());
        log.info("relay {} ({}) listening on port {}; dialled as {}", config.relay().name(), config.relay().region(),
            server.port(), node.endpoints());
        return node;
      }).onFailure(e -> dialer.close());
    });
  }

  public RelayServer server() {
    return server;
  }

  /** True while the channel to the access server is open. */
  public boolean registered() {
    return channel != null;
  }

  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(loadTimer);
    var open = channel;
    if (open != null) {
      open.close(1001, "relay stopping");
    }
    return server.stop().eventually(() -> vertx.executeBlocking(() -> {
      dialer.close();
      return null;
    }));
  }

  /** Blocking: enrols with the token unless the relay has its identity already. */
  static void enrol(RelayNodeConfig config) {
    var dataDir = config.relay().dataDir();
    var tls = TlsFiles.inFolder(dataDir);
    if (tls.hasIdentity()) {
      return;
    }
    if (config.token() == null) {
      throw new IllegalStateException("this relay is not enrolled yet: give it a relay enrolment token (token in its "
          + "config file, made with outpost token create --role relay)");
    }
    EnrolmentToken token;
    try {
      token = EnrolmentToken.parse(config.token());
    } catch (WireFormatException e) {
      throw new IllegalStateException("the enrolment token is malformed: " + e.getMessage());
    }
    var keys = MachineKeys.generate();
    String uid = config.relay().name();
    var request = new Enrolment.Request(Wire.VERSION, token.text(), SigningRequest.create(keys, uid), uid, Role.RELAY);
    var trust = new PinnedCa(token.caPin());
    try (var first = Dialer.firstContact(config.cloud(), trust)) {
      var response = first.send("POST", ENROL_PATH, "application/json", Wire.toJson(request), null);
      if (response.status() != 200) {
        throw new IllegalStateException("the cloud refused the enrolment (" + response.status() + "): "
            + new String(response.body(), StandardCharsets.UTF_8));
      }
      var answer = Wire.fromJson(response.body(), Enrolment.Answer.class);
      if (answer.state() != Enrolment.State.APPROVED) {
        throw new IllegalStateException("the cloud answered the enrolment with " + answer.state().wireName());
      }
      TlsFiles.write(dataDir, keys, Pem.decodeCertificates(answer.certificate(), "the enrolment answer"), trust.ca());
      log.info("enrolled at the cloud as relay {}", uid);
    }
  }

  private List<String> endpoints() {
    return config.endpoints().isEmpty() ? List.of(config.relay().host() + ":" + server.port()) : config.endpoints();
  }

  private List<Integer> ports() {
    return config.ports().isEmpty() ? List.of(server.port()) : config.ports();
  }

  private void connect() {
    if (stopped) {
      return;
    }
    var listener = new ChannelListener() {
      @Override
      public void onText(Channel from, String text) {
        received(text);
      }

      @Override
      public void onClosed(Channel from, int code, String reason) {
        lost(from, code + " " + reason);
      }

      @Override
      public void onFailure(Channel from, Throwable error) {
        lost(from, String.valueOf(error.getMessage()));
      }
    };
    dialer.openChannel(CHANNEL_PATH, Map.of(), listener).whenComplete((opened, error) -> {
      if (error != null) {
        reconnectLater(error.getMessage());
        return;
      }
      opened.send(Wire.toJsonString(new RelayMessage.Register(Wire.VERSION, config.relay().name(), config.relay().region(),
          endpoints(), ports(), config.relay().maxSessions(), RelayWire.VERSION)));
      channel = opened;
      failures = 0;
      log.info("registered with the access server via {}", dialer.currentRoute());
      reportLoad();
    });
  }

  private void received(String text) {
    RelayMessage message;
    try {
      message = Wire.fromJson(text, RelayMessage.class);
    } catch (WireFormatException e) {
      log.warn("the access server sent a bad message ({}); ignored", e.getMessage());
      return;
    }
    if (message instanceof RelayMessage.Expect expect) {
      var ticket = new Ticket(expect.sessionId(), HexFormat.of().parseHex(expect.tokenSha256()), expect.operatorPin(),
          expect.devicePin(), Instant.ofEpochMilli(expect.expiresAtMs()), expect.bytesPerSecond());
      server.expect(ticket).onComplete(expected -> {
        if (expected.failed()) {
          log.warn("cannot expect session {}: {}", expect.sessionId(), expected.cause().getMessage());
        }
        // the access server hands the ends their token only once the ticket is here
        send(new RelayMessage.Expected(expect.sessionId(), expected.failed() ? expected.cause().getMessage() : null));
      });
    } else if (message instanceof RelayMessage.End end) {
      server.end(end.sessionId(), end.reason() == null ? "ended by the access server" : end.reason());
    } else if (message instanceof RelayMessage.Certificate certificate) {
      vertx.executeBlocking(() -> RenewedCertificate.install(config.relay().dataDir(), config.relay().name(),
              certificate.answer()))
          .compose(installed -> installed ? server.reloadIdentity().map(true) : Future.succeededFuture(false))
          .onSuccess(installed -> {
            if (installed) {
              log.info("installed this relay's renewed certificate");
            }
          })
          .onFailure(e -> log.error("refused a certificate from the access server: {}", e.getMessage()));
    } else {
      log.warn("unexpected {} from the access server; ignored", message.getClass().getSimpleName());
    }
  }

  private void ended(SessionRecord record) {
    send(new RelayMessage.Ended(record.sessionId(),
        record.startedAt() == null ? 0 : record.startedAt().toEpochMilli(), record.endedAt().toEpochMilli(),
        record.bytesOperatorToDevice(), record.bytesDeviceToOperator(),
        record.reason().text() + (record.detail() == null ? "" : ": " + record.detail())));
  }

  /** To the access server, if the channel is open (a message while it is down is lost; the cloud copes). */
  private void send(RelayMessage message) {
    var open = channel;
    if (open != null) {
      open.send(Wire.toJsonString(message));
    }
  }

  /** Reports a refused connection for the audit, at most {@link #REFUSALS_PER_SECOND} a second (a flood is counted). */
  private synchronized void refused(Refusal refusal) {
    long second = refusal.at().getEpochSecond();
    if (second != refusalSecond) {
      refusalSecond = second;
      refusalsThisSecond = 0;
    }
    if (channel == null || ++refusalsThisSecond > REFUSALS_PER_SECOND) {
      suppressedRefusals++;
      return;
    }
    send(new RelayMessage.Refused(refusal.sessionId(), refusal.address(), refusal.reason(), refusal.at().toEpochMilli(),
        suppressedRefusals));
    suppressedRefusals = 0;
  }

  private void reportLoad() {
    var open = channel;
    if (open != null) {
      var load = server.load();
      open.send(Wire.toJsonString(new RelayMessage.Load(load.sessions(), load.capacity(), load.bytesPerSecond())));
    }
  }

  private void lost(Channel from, String why) {
    if (channel == from) {
      channel = null;
      reconnectLater(why);
    }
  }

  private void reconnectLater(String why) {
    if (stopped) {
      return;
    }
    failures++;
    long wait = dialer.backoff(failures).toMillis();
    if (failures == 1 || failures % 10 == 0) {
      log.warn("channel to the access server down ({}); retrying in {} ms", why, wait);
    }
    vertx.setTimer(wait, id -> connect());
  }
}
