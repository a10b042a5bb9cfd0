package dev.outpost.cloud.impl.access;

import dev.outpost.cloud.impl.Accounts;
import dev.outpost.cloud.impl.ClientError;
import dev.outpost.cloud.impl.identity.Identity;
import dev.outpost.cloud.impl.identity.OrganisationCas;
import dev.outpost.cloud.impl.identity.Registry;
import dev.outpost.cloud.impl.store.Database;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.RelayInfo;
import dev.outpost.protocol.RelayMessage;
import dev.outpost.protocol.Role;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access server: the cloud's role for remote sessions. An operator asks for a session to a
 * connector (and a target behind it); the access server checks the user's rights (and, for a
 * vendor's support user, that the site has support access on), issues a short-lived operator
 * certificate for the operator's fresh key, and offers the session to the connector over its
 * command channel. Both ends measure their latency to every relay of the pool; with both results
 * the pool names the relay ({@link RelayPool}), the relay is told to expect the two keys with the
 * SHA-256 of a one-time token, and both ends get the token. Every request and session is audited
 * ({@code session_audit}).
 *
 * <p>Ending: the operator (DELETE), a revoked machine, a deleted user, or support access turned off
 * end a session at once: the relay closes both ends and the connector drops it.
 */
public final class AccessServer {
  private static final Logger LOG = LoggerFactory.getLogger(AccessServer.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The operator certificate only has to last until the end-to-end handshake. */
  public static final Duration OPERATOR_CERTIFICATE_VALIDITY = Duration.ofMinutes(10);
  /** How long the two ends have to measure and meet at the relay. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  /** How long the operator's latency report waits for the connector's. */
  static final Duration LATENCY_WAIT = Duration.ofSeconds(15);
  /** How long the chosen relay has to confirm a session's ticket before the session is refused. */
  static final Duration RELAY_CONFIRM = Duration.ofSeconds(5);

  /** How the access server reaches connectors: over their command channels. */
  public interface DeviceLinks {
    /** Sends to the connector; false when its channel is not open. */
    boolean send(String connectorUid, ChannelMessage message);
  }

  /** What the operator gets for a new session. */
  public record Offered(String id, String certificatePem, String caPem, Identity device, List<RelayInfo> relays) {
  }

  /** What the operator gets once the relay is chosen: where to meet the device, and the one-time token. */
  public record Started(RelayInfo relay, String token) {
  }

  private final Vertx vertx;
  private final OrganisationCas cas;
  private final Registry registry;
  private final Rights rights;
  private final RelayPool relays;
  private final SessionAudit audit;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Map<String, ChannelMessage.SupportState> support = new ConcurrentHashMap<>();
  private volatile DeviceLinks links = (uid, message) -> false;

  public AccessServer(Vertx vertx, Database db, OrganisationCas cas, Registry registry, RelayPool relays) {
    this.vertx = vertx;
    this.cas = cas;
    this.registry = registry;
    this.rights = new Rights(vertx, db);
    this.relays = relays;
    this.audit = new SessionAudit(db);
  }

  public void links(DeviceLinks links) {
    this.links = links;
  }

  public Rights rights() {
    return rights;
  }

  public RelayPool relays() {
    return relays;
  }

  /** Sessions offered or open now. */
  public int openSessions() {
    return (int) sessions.values().stream().filter(s -> !s.ended).count();
  }

  // --- operator side ---------------------------------------------------------------------------

  /**
   * A new session for the user to {@code target} through the connector named {@code device} (uid or
   * name), with the operator's fresh key in {@code csrPem}. Refusals are audited and fail with a
   * {@link ClientError} whose message the operator sees.
   */
  public Future<Offered> open(Accounts.Session user, String device, String target, String csrPem) {
    String id = UUID.randomUUID().toString();
    long now = System.currentTimeMillis();
    Identity connector = findConnector(user.organisationId(), device);
    return rights.of(user.userId()).compose(access -> {
      String refused = null;
      if (connector == null) {
        refused = "no approved connector " + device + " in this organisation";
      } else if (!access.mayReach(connector)) {
        refused = "user " + user.user() + " may not reach " + connector.name();
      } else if (access.support() && !supportOn(connector.uid())) {
        refused = "support access is off on " + connector.name() + "; the site's admin turns it on";
      } else if (relays.relays().isEmpty()) {
        refused = "no relay is available";
      }
      String machineUid = connector == null ? null : connector.uid();
      if (refused != null) {
        String reason = refused;
        return audit.requested(id, user.organisationId(), user.user(), access.support(), machineUid, device, target, now, reason)
            .transform(v -> Future.failedFuture(ClientError.forbidden(reason)));
      }
      SigningRequest csr;
      try {
        csr = SigningRequest.parse(csrPem);
      } catch (RuntimeException e) {
        throw ClientError.badRequest("csr: " + e.getMessage());
      }
      var ca = cas.ca(user.organisationId(), user.organisation());
      var certificate = ca.issue(csr.publicKey(), id, "operator", List.of(), List.of(), OPERATOR_CERTIFICATE_VALIDITY);
      var pool = relays.relays().stream().map(RelayPool.Relay::info).toList();
      var session = new Session(id, user.organisationId(), user.userId(), user.user(), access.support(), connector, target,
          MachineKeys.pin(csr.publicKey()), now);
      sessions.put(id, session);
      var offer = new ChannelMessage.SessionOffer(id, user.user(), session.operatorPin, target, access.support(), pool);
      if (!links.send(connector.uid(), offer)) {
        sessions.remove(id);
        String reason = connector.name() + " is not connected to the cloud";
        return audit.requested(id, user.organisationId(), user.user(), access.support(), machineUid, device, target, now, reason)
            .transform(v -> Future.failedFuture(dev.outpost.cloud.impl.Unavailable.now(reason, 0, null)));
      }
      session.timer = vertx.setTimer(START_TIMEOUT.toMillis(), t -> expire(id));
      LOG.info("session {}: {} asks for {} through {}", id, user.user(), target, connector.uid());
      return audit.requested(id, user.organisationId(), user.user(), access.support(), machineUid, device, target, now, null)
          .map(v -> new Offered(id, Pem.encode(certificate), Pem.encode(ca.certificate()), connector, pool));
    });
  }

  /**
   * The operator's latencies to the relays (µs by relay name) and, optionally, the relay it insists
   * on. Answers once the connector has answered too: the chosen relay and the one-time token.
   */
  public Future<Started> operatorLatency(Accounts.Session user, String id, Map<String, Long> micros, String forcedRelay) {
    Session session = sessions.get(id);
    if (session == null || session.organisationId != user.organisationId() || session.userId != user.userId()) {
      return Future.failedFuture(ClientError.notFound("no session " + id + " of this user waits to start"));
    }
    synchronized (session) {
      if (session.refused != null) {
        return Future.failedFuture(ClientError.forbidden(session.refused));
      }
      if (session.operatorMicros != null) {
        return Future.failedFuture(new ClientError(409, "the latencies of session " + id + " were reported already"));
      }
      session.operatorMicros = Map.copyOf(micros);
      session.forcedRelay = forcedRelay;
    }
    tryStart(session);
    return session.started.future().timeout(LATENCY_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .recover(e -> e instanceof java.util.concurrent.TimeoutException
            ? Future.failedFuture(dev.outpost.cloud.impl.Unavailable.timedOut(
                "the device did not answer within " + LATENCY_WAIT.toSeconds() + " s"))
            : Future.failedFuture(e));
  }

  /** The operator ends its session. */
  public Future<Void> close(Accounts.Session user, String id) {
    Session session = sessions.get(id);
    if (session == null || session.organisationId != user.organisationId() || session.userId != user.userId()) {
      return Future.failedFuture(ClientError.notFound("no open session " + id + " of this user"));
    }
    end(session, "closed by the operator");
    return Future.succeededFuture();
  }

  public Future<JsonArray> audit(long organisationId, int limit) {
    return audit.list(organisationId, limit);
  }

  // --- device side -----------------------------------------------------------------------------

  /** A connector answered an offer: its latencies, or why it refuses. */
  public void deviceLatency(String connectorUid, ChannelMessage.SessionLatency latency) {
    Session session = sessions.get(latency.id());
    if (session == null || !session.device.uid().equals(connectorUid)) {
      LOG.debug("connector {} answered an unknown session {}", connectorUid, latency.id());
      return;
    }
    if (latency.refused() != null) {
      refuse(session, session.device.name() + " refuses: " + latency.refused());
      return;
    }
    synchronized (session) {
      session.deviceMicros = latency.latencyMicros();
    }
    tryStart(session);
  }

  /**
   * The connector refused a stream inside one of its sessions: into that session's audit row (also
   * when the report comes after the session ended; another connector's report changes nothing).
   */
  public void deviceStreamRefused(String connectorUid, ChannelMessage.SessionStreamRefused refused) {
    audit.streamRefused(refused.id(), connectorUid, refused.target(), refused.reason());
  }

  /** A connector reports a session ended on its side (bytes as it counted them). */
  public void deviceEnded(String connectorUid, ChannelMessage.SessionEnded ended) {
    Session session = sessions.get(ended.id());
    if (session != null && session.device.uid().equals(connectorUid)) {
      sessions.remove(ended.id());
      session.markEnded();
      audit.ended(ended.id(), System.currentTimeMillis(), ended.bytesToDevice(), ended.bytesFromDevice(), ended.reason());
      relays.relay(session.relay == null ? "" : session.relay)
          .ifPresent(r -> r.channel().accept(new RelayMessage.End(ended.id(), "ended by the device")));
    }
  }

  /** A connector says whether its site admin has support access on; off ends running support sessions. */
  public void supportState(String connectorUid, ChannelMessage.SupportState state) {
    support.put(connectorUid, state);
    if (!state.on()) {
      sessions.values().stream().filter(s -> s.support && s.device.uid().equals(connectorUid))
          .forEach(s -> end(s, "support access was turned off"));
    }
  }

  /** A connector's channel closed: whether support is on is unknown until it says again. */
  public void deviceGone(String connectorUid) {
    support.remove(connectorUid);
  }

  private boolean supportOn(String connectorUid) {
    var state = support.get(connectorUid);
    return state != null && state.on();
  }

  // --- relay side --------------------------------------------------------------------------------

  /** A relay of this organisation refused a connection: into the audit. */
  public void relayRefused(long organisationId, String relay, RelayMessage.Refused refused) {
    audit.relayRefused(organisationId, relay, refused.sessionId(), refused.address(), refused.reason(),
        refused.suppressed(), refused.atMs() > 0 ? refused.atMs() : System.currentTimeMillis());
  }

  /** The newest refusals of the organisation's relays. */
  public Future<JsonArray> relayRefusals(long organisationId, int limit) {
    return audit.relayRefusals(organisationId, limit);
  }

  /** A relay reports a session ended (bytes as the relay counted them: the figures for the audit). */
  public void relayEnded(RelayMessage.Ended ended) {
    Session session = sessions.remove(ended.sessionId());
    if (session != null && session.markEnded()) {
      links.send(session.device.uid(), new ChannelMessage.SessionEnd(ended.sessionId(), ended.reason()));
    }
    audit.ended(ended.sessionId(), ended.endedAtMs() > 0 ? ended.endedAtMs() : System.currentTimeMillis(),
        ended.bytesOperatorToDevice(), ended.bytesDeviceToOperator(), ended.reason());
  }

  // --- revocation ----------------------------------------------------------------------------------

  /** A machine was revoked: its sessions end now. */
  public void machineRevoked(String uid) {
    sessions.values().stream().filter(s -> s.device.uid().equals(uid)).forEach(s -> end(s, "the machine was revoked"));
  }

  /** A user was deleted: its sessions end now. */
  public void userDeleted(long organisationId, int userId) {
    sessions.values().stream().filter(s -> s.organisationId == organisationId && s.userId == userId)
        .forEach(s -> end(s, "the user was removed"));
  }

  // --- inside ----------------------------------------------------------------------------------

  private Identity findConnector(long organisationId, String device) {
    var byUid = registry.identity(device);
    if (byUid != null && byUid.organisationId() == organisationId) {
      return byUid.role() == Role.CONNECTOR && byUid.state() == Enrolment.State.APPROVED ? byUid : null;
    }
    return registry.identities(organisationId, Enrolment.State.APPROVED).stream()
        .filter(i -> i.role() == Role.CONNECTOR && i.name().equals(device))
        .findFirst().orElse(null);
  }

  private void tryStart(Session session) {
    Map<String, Long> operator;
    Map<String, Long> device;
    String forced;
    synchronized (session) {
      if (session.operatorMicros == null || session.deviceMicros == null || session.relay != null || session.ended) {
        return;
      }
      operator = session.operatorMicros;
      device = session.deviceMicros;
      forced = session.forcedRelay;
      session.relay = "";
    }
    var relay = forced != null ? relays.relay(forced) : relays.choose(session.device.uid(), operator, device);
    if (relay.isEmpty()) {
      refuse(session, forced != null ? "no relay " + forced + " in the pool" : "no relay is reachable from both ends");
      return;
    }
    String token = newToken();
    var info = relay.get().info();
    synchronized (session) {
      session.relay = info.name();
      session.pending = new Started(info, token);
    }
    // the ends get the token once the relay holds the ticket (relayExpected), so no JOIN can beat it
    session.confirmTimer = vertx.setTimer(RELAY_CONFIRM.toMillis(), t -> unconfirmed(session));
    relay.get().channel().accept(new RelayMessage.Expect(session.id, Accounts.sha256(token), session.operatorPin,
        devicePin(session.device), System.currentTimeMillis() + START_TIMEOUT.toMillis(), 0));
    LOG.info("session {}: relay {} (operator {} µs, device {} µs)", session.id, info.name(), operator.get(info.name()),
        device.get(info.name()));
  }

  /**
   * A relay answered an {@link RelayMessage.Expect}: the session starts, or is refused with the
   * relay's reason. Only the relay the session is on counts: its name and the key the ends will pin.
   */
  public void relayExpected(String relay, String relayPin, RelayMessage.Expected expected) {
    Session session = sessions.get(expected.sessionId());
    if (session == null) {
      return; // ended or expired meanwhile: the relay's ticket expires by itself
    }
    Started started;
    synchronized (session) {
      if (session.ended || session.pending == null) {
        return;
      }
      if (!relay.equals(session.relay) || !relayPin.equals(session.pending.relay().pin())) {
        LOG.warn("relay {} answered for session {}, which is on relay {}; ignored", relay, session.id, session.relay);
        return;
      }
      started = session.pending;
      session.pending = null;
      if (expected.error() == null) {
        // under the session's lock: an end() now comes after this, never between the check and the send
        links.send(session.device.uid(), new ChannelMessage.SessionStart(session.id, started.relay(), started.token()));
      }
    }
    vertx.cancelTimer(session.confirmTimer);
    if (expected.error() != null) {
      abandon(session, "the relay cannot take it", "relay " + relay + " cannot take the session: " + expected.error());
      return;
    }
    vertx.cancelTimer(session.timer);
    audit.started(session.id, relay, System.currentTimeMillis());
    session.started.tryComplete(started);
  }

  /** The relay did not confirm the ticket in time: the session is refused, and the relay told to drop it. */
  private void unconfirmed(Session session) {
    synchronized (session) {
      if (session.pending == null || session.ended) {
        return; // answered meanwhile
      }
      session.pending = null;
    }
    var relay = session.relay;
    relays.relay(relay).ifPresent(r -> r.channel().accept(new RelayMessage.End(session.id, "not confirmed in time")));
    abandon(session, "the relay did not confirm it",
        "relay " + relay + " did not confirm the session within " + RELAY_CONFIRM.toSeconds() + " s");
  }

  /** Refuses a session the connector was offered already: it is told to stop waiting for it. */
  private void abandon(Session session, String toDevice, String reason) {
    links.send(session.device.uid(), new ChannelMessage.SessionEnd(session.id, toDevice));
    refuse(session, reason);
  }

  /** Refuses a session that has not started; the operator still learns why for a while. */
  private void refuse(Session session, String reason) {
    synchronized (session) {
      if (session.refused != null) {
        return;
      }
      session.refused = reason;
      session.ended = true;
    }
    vertx.cancelTimer(session.timer);
    vertx.setTimer(START_TIMEOUT.toMillis(), t -> sessions.remove(session.id, session));
    audit.refused(session.id, reason, System.currentTimeMillis());
    LOG.info("session {} refused: {}", session.id, reason);
    session.started.tryFail(ClientError.forbidden(reason));
  }

  private void expire(String id) {
    Session session = sessions.get(id);
    if (session != null && session.refused == null && (session.relay == null || session.relay.isEmpty())) {
      abandon(session, "timed out before it started", "the session did not start within " + START_TIMEOUT.toSeconds() + " s");
    }
  }

  private void end(Session session, String reason) {
    if (sessions.remove(session.id) == null || session.refused != null) {
      return;
    }
    session.markEnded(); // after a SessionStart sent under the session's lock, never before its check
    vertx.cancelTimer(session.timer);
    if (session.relay != null && !session.relay.isEmpty()) {
      relays.relay(session.relay).ifPresent(r -> r.channel().accept(new RelayMessage.End(session.id, reason)));
    }
    links.send(session.device.uid(), new ChannelMessage.SessionEnd(session.id, reason));
    session.started.tryFail(new ClientError(409, "session " + session.id + " ended: " + reason));
    audit.ended(session.id, System.currentTimeMillis(), 0, 0, reason);
    LOG.info("session {} ended: {}", session.id, reason);
  }

  /** The pin of the connector's key, from the fingerprint its enrolment recorded. */
  private static String devicePin(Identity device) {
    return pinOf(device.fingerprint());
  }

  /** A key's pin ({@link MachineKeys#pin}) from its fingerprint ({@link MachineKeys#fingerprint}): the same SHA-256. */
  public static String pinOf(String fingerprint) {
    byte[] digest = Base64.getDecoder().decode(fingerprint.substring("SHA256:".length()));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }

  private static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static final class Session {
    final String id;
    final long organisationId;
    final int userId;
    final String user;
    final boolean support;
    final Identity device;
    final String target;
    final String operatorPin;
    final long requestedMs;
    final Promise<Started> started = Promise.promise();
    Map<String, Long> operatorMicros;
    Map<String, Long> deviceMicros;
    String forcedRelay;
    /** Why it was refused before it started, for the operator's next call. */
    String refused;
    /** Null until chosen; empty while being chosen. */
    volatile String relay;
    /** What the ends get once the relay confirmed the ticket; null before the relay is chosen and after it answered. */
    Started pending;
    long confirmTimer = -1;
    volatile boolean ended;
    long timer = -1;

    /** Marks it ended, under its lock (a SessionStart is checked and sent under it); false if it was already. */
    synchronized boolean markEnded() {
      boolean first = !ended;
      ended = true;
      return first;
    }

    Session(String id, long organisationId, int userId, String user, boolean support, Identity device, String target,
            String operatorPin, long requestedMs) {
      this.id = id;
      this.organisationId = organisationId;
      this.userId = userId;
      this.user = user;
      this.support = support;
      this.device = device;
      this.target = target;
      this.operatorPin = operatorPin;
      this.requestedMs = requestedMs;
    }
  }
}
