package dev.outpost.hub;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.files.FileRoute;
import dev.outpost.protocol.MachineRef;
import dev.outpost.transport.Dialer;
import dev.outpost.transport.DialerConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's way out when its connector is gone (the seed's fallback): once the hub has had no link
 * to a connector for {@link HubConfig.Fallback#after()}, and may upload directly, and is enrolled,
 * it asks the cloud whether it is reachable ({@code GET /health/live} with the hub's own
 * certificate). If so, the hub leaves its connector ({@link ConnectorLink#leave()}) and uploads its
 * outbox itself with a {@link CloudUplink}, until its service restarts; then it looks for its
 * connector again. If not, it tries again after the dialer's backoff, while the link keeps trying
 * the connector: whichever way opens first takes the outbox.
 */
public final class DirectFallback extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(DirectFallback.class);
  static final String PROBE_PATH = "/health/live";
  private static final long CHECK_MS = 1_000;

  private final MachineRef machine;
  private final HubConfig config;
  private final Outbox outbox;
  private final ConnectorLink link;
  private long timer = -1;
  private boolean probing;
  private long nextProbeAt;
  private int failures;
  private volatile Dialer dialer;
  private volatile CloudUplink uplink;

  public DirectFallback(MachineRef machine, HubConfig config, Outbox outbox, ConnectorLink link) {
    this.machine = machine;
    this.config = config;
    this.outbox = outbox;
    this.link = link;
  }

  @Override
  public Future<?> start() {
    if (config.fallback().isAllowed()) {
      timer = vertx.setPeriodic(CHECK_MS, id -> check());
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    Dialer open = dialer;
    return open == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      open.close();
      return null;
    });
  }

  /** True once the hub uploads directly to the cloud. */
  public boolean direct() {
    return uplink != null;
  }

  /** The route to the cloud's file URLs while the hub is direct, else null. */
  public FileRoute fileRoute() {
    Dialer reachable = dialer;
    return uplink == null || reachable == null ? null : FileRoute.through(reachable);
  }

  private void check() {
    long since = link.unlinkedSince();
    long now = System.currentTimeMillis();
    if (uplink != null || probing || since == 0 || now - since < config.fallback().after().toMillis()
        || now < nextProbeAt || !link.enrolled()) {
      return;
    }
    probing = true;
    vertx.executeBlocking(this::probe).onComplete(result -> {
      probing = false;
      if (result.succeeded() && link.unlinkedSince() != 0) {
        goDirect(result.result());
      } else if (result.failed()) {
        failures++;
        long wait = dialer == null ? config.fallback().after().toMillis() : dialer.backoff(failures).toMillis();
        nextProbeAt = System.currentTimeMillis() + wait;
        if (failures == 1 || failures % 10 == 0) {
          log.warn("no connector for {} s and the cloud is not reachable either ({}); measurements stay in the outbox ({} queued)",
              (System.currentTimeMillis() - since) / 1000, result.cause().getMessage(), outbox.depth());
        }
      }
    });
  }

  /** Blocking. Dials the cloud with the hub's own certificate; the dialer, when the cloud answered. */
  private Dialer probe() throws Exception {
    if (dialer == null) {
      DialerConfig route = cloudRoute(config);
      if (route == null) {
        throw new IllegalStateException("no route to the cloud: the connector never named one and fallback.cloud is not set");
      }
      dialer = Dialer.create(route, TlsFiles.inFolder(config.dataDir()));
    }
    var response = dialer.send("GET", PROBE_PATH, null, null, Map.of());
    if (response.status() != 200) {
      throw new IllegalStateException("the cloud answered " + response.status());
    }
    return dialer;
  }

  /**
   * Blocking. The way the fallback dials the cloud: {@code fallback.cloud} if set, else the route the
   * connector last told the hub (no proxy); null when there is neither.
   */
  public static DialerConfig cloudRoute(HubConfig config) {
    if (config.fallback().cloud() != null) {
      return config.fallback().cloud();
    }
    var told = RememberedCloudRoute.load(config.dataDir());
    return told == null ? null : new DialerConfig(told.endpoints(), told.ports(), null, null, null, null, null);
  }

  private void goDirect(Dialer reachable) {
    log.warn("no connector for {} s: uploading directly to the cloud until this hub restarts ({} measurements queued)",
        (System.currentTimeMillis() - link.unlinkedSince()) / 1000, outbox.depth());
    link.leave();
    var direct = new CloudUplink(machine.uid(), config.fallback().uplink(), outbox, reachable, Map::of);
    vertx.deployVerticle(direct)
        .onSuccess(id -> uplink = direct)
        .onFailure(e -> log.error("cannot start the direct upload: {}", e.getMessage()));
  }
}
