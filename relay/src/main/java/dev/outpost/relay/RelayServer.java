package dev.outpost.relay;

import dev.outpost.relay.impl.VertxRelayServer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;

/**
 * A relay: a TLS server that pairs the two ends of a remote session and pipes their bytes, without
 * reading them (the ends run their own end-to-end encrypted channel inside).
 *
 * <p>The access server announces each session with {@link #expect(Ticket)}. Each end connects with
 * TLS, presenting its certificate, and sends {@code OUTPOST-RELAY 2 JOIN <token>} (see
 * {@link dev.outpost.protocol.RelayWire}); the relay finds the session by the token's SHA-256 and admits the connection
 * only if its certificate's key is one of the two the ticket binds, and only once per end. When
 * both ends are there, both get {@code PAIRED} and from then on the relay copies bytes both ways,
 * with backpressure and within the session's and the relay's bandwidth. The token is spent then.
 * Any certificate chain is accepted at the TLS level: authorisation is the binding to the ticket.
 *
 * <p>Every method is thread-safe; the relay's state lives on one Vert.x event loop. Handlers are
 * called on that event loop and must not block.
 */
public interface RelayServer {
  /** A relay with this configuration on this Vert.x; nothing is opened before {@link #start()}. */
  static RelayServer create(Vertx vertx, RelayConfig config) {
    return new VertxRelayServer(vertx, config);
  }

  /**
   * Reads the TLS identity from the data folder and listens; fails with a clear message if the
   * folder has no {@code identity.key} and {@code identity.pem} or the port is taken. A relay
   * starts once: after {@link #stop()}, create a new one.
   */
  Future<Void> start();

  /**
   * Ends every session ({@link EndReason#RELAY_STOPPED}, their records are handed out first),
   * closes every connection and stops listening.
   */
  Future<Void> stop();

  /** The port the relay listens on (the chosen one when configured as 0); -1 before {@link #start()}. */
  int port();

  /** The configuration the relay runs with. */
  RelayConfig config();

  /**
   * Makes the relay expect a session. Sending the same ticket again changes nothing (for retries);
   * fails with {@link IllegalArgumentException} if the session id or token is already used by
   * another ticket, or if the ticket has expired already.
   */
  Future<Void> expect(Ticket ticket);

  /**
   * Ends a session now: a waiting end gets {@code ERR ended}, paired ends are closed (both within
   * one second, even if a peer stops reading), and a ticket nobody used yet can no longer be used.
   * The session's record has {@link EndReason#ENDED} and {@code reason} as its detail. For
   * revocation and support access being turned off.
   *
   * @return true if the session was expected, waiting or paired; false if it was unknown or had ended
   */
  Future<Boolean> end(String sessionId, String reason);

  /**
   * Serves the identity in the data folder again (a renewed certificate) to new connections;
   * connections already open keep theirs.
   */
  Future<Void> reloadIdentity();

  /** The current load; cheap, from any thread. */
  RelayLoad load();

  /**
   * Sets the handler that gets the audit record of every session that ends, including sessions
   * that timed out or whose ticket expired unused. Replaces the previous handler; null removes it.
   */
  RelayServer sessionEndedHandler(Handler<SessionRecord> handler);

  /**
   * Sets the handler that gets every connection the relay refuses (an {@code ERR} line, a failed
   * TLS handshake), on the relay's event loop. Replaces the previous handler; null removes it.
   */
  RelayServer refusalHandler(Handler<Refusal> handler);
}
