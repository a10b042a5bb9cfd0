package dev.outpost.connector;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.RelayInfo;
import dev.outpost.protocol.Wire;
import dev.outpost.transport.session.DeviceSession;
import dev.outpost.transport.session.RelayClient;
import dev.outpost.transport.session.SessionCredentials;
import dev.outpost.transport.session.SessionListener;
import dev.outpost.transport.session.SessionOptions;
import dev.outpost.transport.session.StreamEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's remote-access runtime, beside the monitoring verticles on its bus. The cloud
 * offers a session over the command channel; this checks the site policy (and, for a vendor's
 * support user, that support access is on), measures the latency to every relay of the pool and
 * answers. When the access server has chosen the relay, it dials it outbound (port order, the
 * site's proxy), joins with the one-time token and serves the end-to-end channel
 * ({@link DeviceSession}): each stream the operator asks for is connected here, if the policy
 * allows its target. Sessions end when the operator or the cloud says so, when support access is
 * turned off (support sessions), or after the policy's idle timeout.
 */
public final class RemoteAccess extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RemoteAccess.class);
  static final Duration RELAY_TIMEOUT = Duration.ofSeconds(5);
  static final Duration PAIR_TIMEOUT = Duration.ofSeconds(30);

  private final ConnectorConfig config;
  private final SupportAccess support;
  private final Map<String, ChannelMessage.SessionOffer> offered = new HashMap<>();
  private final Map<String, Running> running = new ConcurrentHashMap<>();

  private record Running(ChannelMessage.SessionOffer offer, DeviceSession session) {
  }

  public RemoteAccess(ConnectorConfig config, SupportAccess support) {
    this.config = config;
    this.support = support;
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<String>consumer(ConnectorAddresses.SESSION_COMMAND, message -> {
      var command = Wire.fromJson(message.body(), ChannelMessage.class);
      if (command instanceof ChannelMessage.SessionOffer offer) {
        offer(offer);
      } else if (command instanceof ChannelMessage.SessionStart start) {
        start(start);
      } else if (command instanceof ChannelMessage.SessionEnd end) {
        end(end.id(), end.reason() == null ? "ended by the cloud" : end.reason());
      }
    });
    vertx.eventBus().<String>consumer(ConnectorAddresses.SUPPORT_CHANGED, message -> {
      var state = Wire.fromJson(message.body(), ChannelMessage.class);
      if (state instanceof ChannelMessage.SupportState s && !s.on()) {
        running.values().stream().filter(r -> r.offer().support())
            .forEach(r -> end(r.offer().id(), "support access was turned off"));
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    running.keySet().forEach(id -> end(id, "the connector stops"));
    return Future.succeededFuture();
  }

  /** Sessions running now. */
  public int sessions() {
    return running.size();
  }

  private void offer(ChannelMessage.SessionOffer offer) {
    String refused = null;
    if (offer.support() && !support.current().on()) {
      refused = "support access is off on this site";
    } else {
      refused = config.remote().refusalBeforeResolving(offer.target()).orElse(null);
    }
    if (refused != null) {
      log.warn("session {} of {} to {} refused: {}", offer.id(), offer.operator(), offer.target(), refused);
      reply(new ChannelMessage.SessionLatency(offer.id(), Map.of(), refused));
      return;
    }
    offered.put(offer.id(), offer);
    vertx.setTimer(PAIR_TIMEOUT.toMillis() * 2, t -> offered.remove(offer.id()));
    vertx.executeBlocking(() -> {
      var credentials = SessionCredentials.load(TlsFiles.inFolder(config.dataDir()));
      var micros = new HashMap<String, Long>();
      for (RelayInfo relay : offer.relays()) {
        try {
          micros.put(relay.name(), RelayClient.latencyMicros(relay, config.cloud().proxy(), credentials, RELAY_TIMEOUT));
        } catch (java.io.IOException | RuntimeException e) {
          log.info("relay {} is not reachable from here: {}", relay.name(), e.getMessage());
        }
      }
      return micros;
    }, false).onComplete(result -> reply(result.succeeded()
        ? new ChannelMessage.SessionLatency(offer.id(), result.result(), null)
        : new ChannelMessage.SessionLatency(offer.id(), Map.of(), "cannot measure the relays: " + result.cause().getMessage())));
  }

  private void start(ChannelMessage.SessionStart start) {
    var offer = offered.remove(start.id());
    if (offer == null) {
      log.warn("the cloud starts session {}, which was not offered here (or timed out)", start.id());
      return;
    }
    log.info("session {}: {} to {} through relay {}", offer.id(), offer.operator(), offer.target(), start.relay().name());
    vertx.executeBlocking(() -> {
      var credentials = SessionCredentials.load(TlsFiles.inFolder(config.dataDir()));
      var socket = RelayClient.join(start.relay(), config.cloud().proxy(), credentials, start.token(), RELAY_TIMEOUT, PAIR_TIMEOUT);
      var options = SessionOptions.defaults().withIdleTimeout(config.remote().idleTimeout());
      return DeviceSession.serve(socket, credentials, offer.operatorPin(), config.remote(), options, listener(offer));
    }, false).onSuccess(session -> {
      running.put(offer.id(), new Running(offer, session));
      if (!session.isOpen()) {
        running.remove(offer.id());
      }
    }).onFailure(e -> {
      log.warn("session {} did not open: {}", offer.id(), e.getMessage());
      reply(new ChannelMessage.SessionEnded(offer.id(), 0, 0, "did not open: " + e.getMessage()));
    });
  }

  private SessionListener listener(ChannelMessage.SessionOffer offer) {
    return new SessionListener() {
      @Override
      public void streamOpened(StreamEvent event) {
        log.info("session {}: stream {} to {}", offer.id(), event.stream(), event.target());
      }

      @Override
      public void streamRefused(StreamEvent event) {
        log.warn("session {}: refused a stream to {}: {}", offer.id(), event.target(), event.reason());
        reply(new ChannelMessage.SessionStreamRefused(offer.id(), event.target(), event.reason()));
      }

      @Override
      public void sessionClosed(String reason, long bytesSent, long bytesReceived) {
        running.remove(offer.id());
        log.info("session {} ended: {} ({} bytes to the operator, {} from)", offer.id(), reason, bytesSent, bytesReceived);
        reply(new ChannelMessage.SessionEnded(offer.id(), bytesReceived, bytesSent, reason));
      }
    };
  }

  private void end(String id, String reason) {
    offered.remove(id);
    var session = running.remove(id);
    if (session != null) {
      log.info("session {} ends: {}", id, reason);
      vertx.executeBlocking(() -> {
        session.session().close();
        return null;
      }, false);
    }
  }

  private void reply(ChannelMessage message) {
    vertx.eventBus().send(ConnectorAddresses.TO_CLOUD, Wire.toJsonString(message));
  }
}
