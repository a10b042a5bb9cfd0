package dev.outpost.relay.impl;

import dev.outpost.relay.RelayConfig;
import dev.outpost.relay.RelayLoad;
import dev.outpost.relay.RelayServer;
import dev.outpost.relay.SessionRecord;
import dev.outpost.relay.Ticket;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.Objects;

/** {@link RelayServer} as one deployed {@link RelayVerticle}. */
public final class VertxRelayServer implements RelayServer {
  private final Vertx vertx;
  private final RelayVerticle relay;
  private volatile String deployment;
  private boolean stopped;

  public VertxRelayServer(Vertx vertx, RelayConfig config) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.relay = new RelayVerticle(vertx, Objects.requireNonNull(config, "config"));
  }

  @Override
  public synchronized Future<Void> start() {
    if (deployment != null || stopped) {
      return Future.failedFuture(new IllegalStateException(stopped
          ? "a stopped relay cannot start again; create a new one" : "the relay is started already"));
    }
    return vertx.deployVerticle(relay).map(id -> {
      deployment = id;
      return null;
    });
  }

  @Override
  public synchronized Future<Void> stop() {
    var id = deployment;
    if (id == null) {
      return Future.succeededFuture();
    }
    deployment = null;
    stopped = true;
    return vertx.undeploy(id);
  }

  @Override
  public int port() {
    return relay.port();
  }

  @Override
  public RelayConfig config() {
    return relay.relayConfig();
  }

  @Override
  public Future<Void> expect(Ticket ticket) {
    Objects.requireNonNull(ticket, "ticket");
    return relay.onRelay(() -> relay.expect(ticket));
  }

  @Override
  public Future<Boolean> end(String sessionId, String reason) {
    return relay.onRelay(() -> relay.end(sessionId, reason));
  }

  @Override
  public Future<Void> reloadIdentity() {
    return relay.onRelay(relay::reloadIdentity).compose(reloaded -> reloaded);
  }

  @Override
  public RelayLoad load() {
    return relay.load();
  }

  @Override
  public RelayServer refusalHandler(Handler<dev.outpost.relay.Refusal> handler) {
    relay.refusalHandler(handler);
    return this;
  }

  @Override
  public RelayServer sessionEndedHandler(Handler<SessionRecord> handler) {
    relay.endedHandler(handler);
    return this;
  }
}
