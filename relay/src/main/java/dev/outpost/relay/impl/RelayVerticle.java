package dev.outpost.relay.impl;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.RelayWire;
import dev.outpost.relay.EndReason;
import dev.outpost.relay.RelayConfig;
import dev.outpost.relay.RelayLoad;
import dev.outpost.relay.SessionRecord;
import dev.outpost.relay.Ticket;
import dev.outpost.transport.VertxTls;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.TrustOptions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay on one Vert.x event loop: the TLS server, the expected sessions by token hash, the
 * connections before they join, the bandwidth buckets and the housekeeping. Every field is used on
 * the verticle's event loop only, except the few volatile ones that {@link #load()} reads.
 */
final class RelayVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RelayVerticle.class);
  /** How long a connection the relay closes gets to take its last bytes before it is cut. */
  static final long FORCE_CLOSE_AFTER_MS = 500;
  /** How long an ended session still answers late joins precisely (after its ticket's expiry). */
  static final Duration TOMBSTONE_RETENTION = Duration.ofMinutes(10);
  /** Tickets that are not over yet, at most, per session the relay may carry. */
  static final int TICKETS_PER_SESSION = 10;
  /** How long a JOIN with a token the relay does not know waits for the access server's ticket. */
  static final long TICKET_GRACE_MS = 2_000;
  /** TLS 1.3 suites, then TLS 1.2 with ECDHE and AEAD only. */
  static final List<String> CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private final Vertx owner;
  private final RelayConfig config;
  private final Map<String, Session> byToken = new HashMap<>();
  private final Map<String, Session> byId = new HashMap<>();
  /** Connections that sent a JOIN whose ticket has not arrived yet, by token hash. */
  private final Map<String, List<Connection>> awaitingTicket = new HashMap<>();
  /** Connections that have not joined a session (reading their line, or pinging). */
  private final Set<Connection> lobby = new HashSet<>();
  private final Set<Connection> open = new HashSet<>();
  private final LoadMeter meter = new LoadMeter(TimeUnit.SECONDS.toNanos(5));
  private TokenBucket total;
  private NetServer server;
  private NetServerOptions options;
  private long housekeeping = -1;
  private boolean stopping;
  private int openTickets;
  private long bytesRelayed;

  private volatile Context relayContext;
  private volatile int paired;
  private volatile int waiting;
  private volatile long bytesPerSecond;
  private volatile int port = -1;
  private volatile Handler<SessionRecord> endedHandler;
  private volatile Handler<dev.outpost.relay.Refusal> refusalHandler;

  public RelayVerticle(Vertx owner, RelayConfig config) {
    this.owner = owner;
    this.config = config;
  }

  @Override
  public Future<?> start() {
    var tls = TlsFiles.inFolder(config.dataDir());
    if (!tls.hasIdentity()) {
      return Future.failedFuture(new IllegalStateException("the relay has no TLS identity: " + tls.key() + " and "
          + tls.certificate() + " are needed (enrol the relay, or write them with TlsFiles.write)"));
    }
    options = VertxTls.server(new NetServerOptions(), tls)
        .setHost(config.host())
        .setPort(config.port())
        .setTcpNoDelay(true)
        .setSslHandshakeTimeout(config.handshakeTimeout().toMillis())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    // Any well-formed client chain: the binding to the ticket decides, not the CA.
    options.setTrustOptions(TrustOptions.wrap(new AnyWellFormedChain()));
    options.setClientAuth(ClientAuth.REQUEST);
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    if (OpenSSLEngineOptions.isAvailable()) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    long now = System.nanoTime();
    total = new TokenBucket(config.bytesPerSecondTotal(), now);
    meter.sample(now, 0);
    relayContext = context;
    long period = Math.max(50, Math.min(1000, config.idleTimeout().toMillis() / 4));
    housekeeping = vertx.setPeriodic(period, id -> housekeeping());
    server = vertx.createNetServer(options)
        .connectHandler(this::accept)
        .exceptionHandler(e -> {
          // before a connection is handed over: a failed TLS handshake (garbage, a port scan, no client hello)
          log.debug("relay: {}", e.toString());
          if (!stopping) {
            refused(null, null, "TLS handshake failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
          }
        });
    return server.listen().onSuccess(s -> {
      port = s.actualPort();
      log.info("relay {} ({}) listening on {}:{}, at most {} sessions", config.name(), config.region(), config.host(),
          port, config.maxSessions());
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(housekeeping);
    for (var session : new ArrayList<>(byId.values())) {
      if (!session.ended()) {
        endSession(session, EndReason.RELAY_STOPPED, "", true);
      }
    }
    for (var connection : new ArrayList<>(lobby)) {
      connection.close(FORCE_CLOSE_AFTER_MS);
    }
    var closing = open.stream().map(Connection::closedFuture).toList();
    // forced closes end every connection within FORCE_CLOSE_AFTER_MS; never hang a stop on one anyway
    return Future.join(closing)
        .timeout(FORCE_CLOSE_AFTER_MS * 4, TimeUnit.MILLISECONDS)
        .eventually(() -> server.close())
        .onComplete(v -> port = -1);
  }

  /** The event loop's Vert.x (the owner's, also before deployment). */
  Vertx vertx() {
    return vertx != null ? vertx : owner;
  }

  public RelayConfig relayConfig() {
    return config;
  }

  public int port() {
    return port;
  }

  public void refusalHandler(Handler<dev.outpost.relay.Refusal> handler) {
    this.refusalHandler = handler;
  }

  /** A connection was refused: tells the refusal handler (the audit). */
  void refused(Connection connection, String sessionId, String reason) {
    var handler = refusalHandler;
    if (handler != null) {
      var address = connection == null || connection.socket.remoteAddress() == null ? null
          : connection.socket.remoteAddress().hostAddress();
      handler.handle(new dev.outpost.relay.Refusal(sessionId, address, reason, Instant.now()));
    }
  }

  public void endedHandler(Handler<SessionRecord> handler) {
    this.endedHandler = handler;
  }

  public RelayLoad load() {
    return new RelayLoad(paired, waiting, config.maxSessions(), bytesPerSecond);
  }

  int pairedSessions() {
    return paired;
  }

  TokenBucket totalBucket() {
    return total;
  }

  void relayed(long bytes) {
    bytesRelayed += bytes;
  }

  /** Runs {@code action} on the relay's event loop; fails if the relay is not started. */
  /** Serves the TLS files of the data folder again (a renewed certificate) to new connections. */
  Future<Void> reloadIdentity() {
    return server.updateSSLOptions(options.getSslOptions(), true)
        .map(updated -> (Void) null)
        .onSuccess(v -> log.info("relay {} serves its renewed certificate", config.name()));
  }

  public <T> Future<T> onRelay(Supplier<T> action) {
    var relay = relayContext;
    if (relay == null || port < 0) {
      return Future.failedFuture(new IllegalStateException("the relay is not started"));
    }
    Promise<T> promise = Promise.promise();
    relay.runOnContext(v -> {
      try {
        promise.complete(action.get());
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  // ---- the access server's side ----

  /** Event loop: see {@link dev.outpost.relay.RelayServer#expect}. */
  public Void expect(Ticket ticket) {
    var known = byId.get(ticket.sessionId());
    if (known != null) {
      if (known.ticket.sameAs(ticket)) {
        return null;
      }
      throw new IllegalArgumentException("session " + ticket.sessionId()
          + " is already known to this relay (expected, running or ended) with another ticket");
    }
    String key = key(ticket.tokenSha256());
    if (byToken.containsKey(key)) {
      throw new IllegalArgumentException("the token of session " + ticket.sessionId()
          + " is already used by another session");
    }
    if (!ticket.expiresAt().isAfter(Instant.now())) {
      throw new IllegalArgumentException("the ticket of session " + ticket.sessionId() + " expired at "
          + ticket.expiresAt());
    }
    if (openTickets >= config.maxSessions() * TICKETS_PER_SESSION) {
      throw new IllegalArgumentException("the relay holds " + openTickets + " open tickets already, its most");
    }
    long rate = ticket.bytesPerSecond() == 0 ? config.bytesPerSecondPerSession()
        : Math.min(ticket.bytesPerSecond(), config.bytesPerSecondPerSession());
    var session = new Session(ticket, rate);
    byId.put(ticket.sessionId(), session);
    byToken.put(key, session);
    openTickets++;
    log.debug("relay: expecting session {}", ticket.sessionId());
    var early = awaitingTicket.remove(key);
    if (early != null) {
      for (var connection : early) {
        if (!connection.closed) {
          join(connection, ticket.tokenSha256(), false);
        }
      }
    }
    return null;
  }

  /**
   * The access server announces a session to the relay while it answers the ends, so an end may
   * be here before its ticket: hold the connection (reading paused) until the ticket comes, or
   * refuse it as unknown after {@link #TICKET_GRACE_MS}.
   */
  private void awaitTicket(Connection connection, byte[] hash) {
    String key = key(hash);
    connection.holdForTicket();
    awaitingTicket.computeIfAbsent(key, k -> new ArrayList<>()).add(connection);
    vertx.setTimer(Math.min(TICKET_GRACE_MS, config.handshakeTimeout().toMillis()), id -> {
      var held = awaitingTicket.get(key);
      if (held != null && held.remove(connection)) {
        if (held.isEmpty()) {
          awaitingTicket.remove(key);
        }
        if (!connection.closed) {
          refuse(connection, RelayWire.ERR_UNKNOWN_SESSION, null);
        }
      }
    });
  }

  /** Event loop: see {@link dev.outpost.relay.RelayServer#end}. */
  public boolean end(String sessionId, String reason) {
    var session = sessionId == null ? null : byId.get(sessionId);
    if (session == null || session.ended()) {
      return false;
    }
    endSession(session, EndReason.ENDED, reason == null ? "" : reason, true);
    return true;
  }

  // ---- connections ----

  private void accept(NetSocket socket) {
    if (stopping) {
      socket.close();
      return;
    }
    var connection = new Connection(this, socket);
    open.add(connection);
    lobby.add(connection);
    connection.start(config.handshakeTimeout().toMillis());
  }

  /** A JOIN line with a well-formed token. */
  void join(Connection connection, String token) {
    lobby.remove(connection);
    // the lookup is by the token's hash, so its timing tells nothing about the token itself
    join(connection, Ticket.tokenHash(token), true);
  }

  /** With {@code mayWait}, a token not (yet) known waits for its ticket a moment before it is refused. */
  private void join(Connection connection, byte[] hash, boolean mayWait) {
    var session = byToken.get(key(hash));
    if (session == null || !MessageDigest.isEqual(hash, session.tokenSha256)) {
      if (mayWait && !stopping) {
        awaitTicket(connection, hash);
      } else {
        refuse(connection, RelayWire.ERR_UNKNOWN_SESSION, null);
      }
      return;
    }
    String pin = connection.clientPin();
    boolean operator = session.ticket.operatorPin().equals(pin);
    boolean device = session.ticket.devicePin().equals(pin);
    if (!operator && !device) {
      refuse(connection, RelayWire.ERR_NOT_BOUND, session);
      return;
    }
    switch (session.state) {
      case ENDED -> {
        refuse(connection, session.pairedAt != null ? RelayWire.ERR_ALREADY_JOINED : RelayWire.ERR_EXPIRED, session);
        return;
      }
      case PAIRED -> {
        refuse(connection, RelayWire.ERR_ALREADY_JOINED, session);
        return;
      }
      case WAITING -> {
        if (session.end(operator) != null) {
          refuse(connection, RelayWire.ERR_ALREADY_JOINED, session);
          return;
        }
      }
      case EXPECTED -> {
        if (!Instant.now().isBefore(session.ticket.expiresAt())) {
          refuse(connection, RelayWire.ERR_EXPIRED, session);
          return;
        }
        if (stopping || paired + waiting >= config.maxSessions()) {
          refuse(connection, RelayWire.ERR_BUSY, session);
          return;
        }
        session.state = Session.State.WAITING;
        waiting++;
        if (session.startedAt == null) {
          session.startedAt = Instant.now();
        }
        session.pairTimer = vertx.setTimer(config.pairTimeout().toMillis(), id -> {
          session.pairTimer = -1;
          if (session.state == Session.State.WAITING) {
            log.info("relay: session {}: the other end did not arrive within {}", session.ticket.sessionId(),
                config.pairTimeout());
            endSession(session, EndReason.TIMEOUT, "", true);
          }
        });
      }
    }
    if (operator) {
      session.operator = connection;
    } else {
      session.device = connection;
    }
    connection.waitForPeer(session, operator);
    log.debug("relay: session {}: the {} joined from {}", session.ticket.sessionId(), operator ? "operator" : "device",
        connection.socket.remoteAddress());
    if (session.operator != null && session.device != null) {
      pair(session);
    }
  }

  private void pair(Session session) {
    cancelTimer(session.pairTimer);
    session.pairTimer = -1;
    session.state = Session.State.PAIRED;
    waiting--;
    paired++;
    long now = System.nanoTime();
    session.pairedAt = Instant.now();
    session.lastActivity = now;
    session.bucket = new TokenBucket(session.bytesPerSecond, now);
    var operatorTold = session.operator.pairWith(session.device);
    var deviceTold = session.device.pairWith(session.operator);
    Future.all(operatorTold, deviceTold).onComplete(both -> {
      if (both.failed()) {
        // a failed write closes its connection, and the close ends the session; the other end goes too
        session.operator.close(FORCE_CLOSE_AFTER_MS);
        session.device.close(FORCE_CLOSE_AFTER_MS);
      } else if (!session.stopForwarding) {
        session.operator.startForwarding();
        session.device.startForwarding();
      }
    });
    log.info("relay: session {} paired", session.ticket.sessionId());
  }

  private void refuse(Connection connection, String error, Session session) {
    log.info("relay: refused {}{}: {}", connection.socket.remoteAddress(),
        session == null ? "" : " for session " + session.ticket.sessionId(), error);
    connection.refuse(error, session == null ? null : session.ticket.sessionId());
  }

  /** A paired end's stream ended or its connection closed: the first one says why the session ended. */
  void endClosed(Connection connection) {
    var session = connection.session;
    if (session != null && !session.ended()) {
      endSession(session, connection.operatorEnd ? EndReason.OPERATOR_CLOSED : EndReason.DEVICE_CLOSED, "", false);
    }
  }

  void connectionClosed(Connection connection) {
    open.remove(connection);
    lobby.remove(connection);
    var session = connection.session;
    if (session == null) {
      return;
    }
    if (session.state == Session.State.WAITING) {
      // the waiting end left before the other came: its place is free again, the ticket stays
      if (connection.operatorEnd) {
        session.operator = null;
      } else {
        session.device = null;
      }
      cancelTimer(session.pairTimer);
      session.pairTimer = -1;
      session.state = Session.State.EXPECTED;
      waiting--;
      log.info("relay: session {}: the waiting {} left", session.ticket.sessionId(),
          connection.operatorEnd ? "operator" : "device");
      return;
    }
    if (connection.phase == Connection.Phase.PAIRED) {
      endClosed(connection);
    }
    recordIfDone(session);
  }

  /**
   * Ends a session once. {@code byRelay}: the relay (or the access server) ends it, so its
   * connections are closed now and bytes still arriving are dropped; otherwise an end closed and the
   * other is closed once the closing end's last bytes are through.
   */
  private void endSession(Session session, EndReason reason, String detail, boolean byRelay) {
    if (!session.ended()) {
      switch (session.state) {
        case WAITING -> waiting--;
        case PAIRED -> paired--;
        default -> { }
      }
      boolean wasWaiting = session.state == Session.State.WAITING;
      session.state = Session.State.ENDED;
      session.reason = reason;
      session.detail = detail;
      session.endedAt = Instant.now();
      Instant until = session.ticket.expiresAt().isAfter(session.endedAt) ? session.ticket.expiresAt()
          : session.endedAt;
      session.purgeAt = until.plus(TOMBSTONE_RETENTION);
      openTickets--;
      cancelTimer(session.pairTimer);
      session.pairTimer = -1;
      log.info("relay: session {} ended: {}{}", session.ticket.sessionId(), reason.text(),
          detail.isEmpty() ? "" : " (" + detail + ")");
      if (byRelay && wasWaiting) {
        String error = reason == EndReason.TIMEOUT ? RelayWire.ERR_TIMEOUT : RelayWire.ERR_ENDED;
        for (var connection : new Connection[] {session.operator, session.device}) {
          if (connection != null) {
            connection.refuse(error, session.ticket.sessionId());
          }
        }
      }
    }
    if (byRelay) {
      session.stopForwarding = true;
      for (var connection : new Connection[] {session.operator, session.device}) {
        if (connection != null) {
          connection.close(FORCE_CLOSE_AFTER_MS);
        }
      }
    }
    recordIfDone(session);
  }

  private void recordIfDone(Session session) {
    if (session.recorded || !session.ended() || !session.connectionsClosed()) {
      return;
    }
    session.recorded = true;
    var record = session.record();
    var handler = endedHandler;
    if (handler != null) {
      try {
        handler.handle(record);
      } catch (RuntimeException e) {
        log.error("relay: the session-ended handler failed on {}: {}", record.sessionId(), e.toString(), e);
      }
    }
  }

  private void housekeeping() {
    long now = System.nanoTime();
    var instant = Instant.now();
    long idle = config.idleTimeout().toNanos();
    for (var iterator = byId.values().iterator(); iterator.hasNext(); ) {
      var session = iterator.next();
      switch (session.state) {
        case EXPECTED -> {
          if (!instant.isBefore(session.ticket.expiresAt())) {
            endSession(session, EndReason.EXPIRED, "", true);
          }
        }
        case PAIRED -> {
          if (now - session.lastActivity > idle) {
            endSession(session, EndReason.IDLE, "", true);
          }
        }
        case ENDED -> {
          if (!session.recorded && !session.stopForwarding && now - session.lastActivity > idle) {
            // an end closed, the other has not taken its last bytes for the idle timeout: cut it
            endSession(session, session.reason, session.detail, true);
          } else if (session.recorded && instant.isAfter(session.purgeAt)) {
            iterator.remove();
            byToken.remove(key(session.tokenSha256));
          }
        }
        default -> { }
      }
    }
    for (var connection : new ArrayList<>(lobby)) {
      if (connection.phase == Connection.Phase.PINGING && now - connection.lastActivity > idle) {
        connection.close(FORCE_CLOSE_AFTER_MS);
      }
    }
    bytesPerSecond = meter.sample(now, bytesRelayed);
  }

  private void cancelTimer(long id) {
    if (id >= 0) {
      vertx.cancelTimer(id);
    }
  }

  private static String key(byte[] tokenSha256) {
    return Base64.getEncoder().encodeToString(tokenSha256);
  }
}
