package dev.outpost.hub;

import dev.outpost.hub.impl.LocalCodec;
import dev.outpost.hub.files.BundleSection;
import dev.outpost.hub.files.FileTasks;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.hub.discovery.Announcement;
import dev.outpost.hub.discovery.DeviceInfo;
import dev.outpost.hub.discovery.Search;
import dev.outpost.hub.discovery.UpnpNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * A running sensor hub: its sensors, its outbox and its link to the connector, on one Vert.x
 * instance. The hub needs no internet of its own.
 */
public final class SensorHub {
  /** The version in the hub's UPnP description. */
  public static final String VERSION = java.util.Objects.requireNonNullElse(SensorHub.class.getPackage().getImplementationVersion(), "dev");
  public static final String OUTBOX_FILE = "outbox.db";

  private final Vertx vertx;
  private final MachineRef machine;
  private final Outbox outbox;
  private final SensorSchedule schedule;
  private final ConnectorLink link;
  private final DirectFallback fallback;
  private final List<String> deployments;
  private final Discovered discovered;
  private Future<Void> stopping;

  private SensorHub(Vertx vertx, MachineRef machine, Outbox outbox, SensorSchedule schedule, ConnectorLink link,
                    DirectFallback fallback, List<String> deployments, Discovered discovered) {
    this.fallback = fallback;
    this.discovered = discovered;
    this.vertx = vertx;
    this.machine = machine;
    this.outbox = outbox;
    this.schedule = schedule;
    this.link = link;
    this.deployments = deployments;
  }

  /**
   * Starts a hub whose diagnostic bundles carry its doctor's report ({@code sections/doctor.txt});
   * fails if its data folder cannot be used or the configuration is incomplete.
   */
  public static Future<SensorHub> start(Vertx vertx, HubConfig config) {
    return start(vertx, config, List.of(BundleSection.lazy("doctor.txt",
        () -> dev.outpost.hub.doctor.HubDoctor.run(config).toText().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
  }

  /** Starts a hub whose diagnostic bundles carry these extra sections. */
  public static Future<SensorHub> start(Vertx vertx, HubConfig config, List<BundleSection> sections) {
    registerCodecs(vertx);
    return vertx.executeBlocking(() -> {
      MachineRef machine = MachineIdentity.loadOrCreate(config.dataDir(), config.name(), Role.HUB);
      return new Opened(machine, Outbox.open(config.dataDir().resolve(OUTBOX_FILE), config.outbox()));
    }).compose(opened -> {
      var schedule = new SensorSchedule(opened.machine(), config.dataDir(), opened.outbox());
      var link = new ConnectorLink(opened.machine(), config, opened.outbox(), () -> schedule.current().version());
      var fallback = new DirectFallback(opened.machine(), config, opened.outbox(), link);
      var files = new FileTasks(opened.machine(), config.dataDir(), () -> fallback.direct() ? fallback.fileRoute()
          : link.connected() ? link::viaConnector : null, config, sections);
      return vertx.deployVerticle(schedule)
          .compose(s -> vertx.deployVerticle(link).map(l -> List.of(s, l)))
          .compose(ids -> vertx.deployVerticle(fallback).map(f -> List.of(ids.get(0), ids.get(1), f)))
          .compose(ids -> vertx.deployVerticle(files).map(f -> List.of(ids.get(0), ids.get(1), ids.get(2), f)))
          .compose(ids -> (config.discovers() ? vertx.executeBlocking(() -> Discovered.start(config, opened.machine(), link))
              : Future.<Discovered>succeededFuture(null))
              .map(discovered -> new SensorHub(vertx, opened.machine(), opened.outbox(), schedule, link, fallback, ids, discovered)))
          .onFailure(e -> opened.outbox().close());
    });
  }

  /** Registers the codecs of the records that travel on a hub's event bus. */
  public static void registerCodecs(Vertx vertx) {
    LocalCodec.register(vertx, MachineConfig.class);
  }

  public MachineRef machine() {
    return machine;
  }

  public Outbox outbox() {
    return outbox;
  }

  /** The configuration the hub runs now. */
  public MachineConfig configuration() {
    return schedule.current();
  }

  /** True while the link to the connector is open. */
  public boolean linked() {
    return link.connected();
  }

  /** True once the hub uploads directly to the cloud (its connector was gone too long): until it restarts. */
  public boolean direct() {
    return fallback.direct();
  }

  /** True once the hub holds its certificate (it was enrolled). */
  public boolean enrolled() {
    return link.enrolled();
  }

  /**
   * Writes measurements to the outbox as if sensors had produced them; used by the ingest
   * benchmark to drive the real data path at full speed.
   */
  public Future<Void> record(List<Measurement> measurements) {
    return Future.fromCompletionStage(outbox.record(machine, measurements))
        .onSuccess(v -> vertx.eventBus().publish(HubAddresses.MEASUREMENTS_STORED, measurements.size()));
  }

  /** Stops the hub's verticles and closes its outbox; says byebye first when it announced itself. */
  public synchronized Future<Void> stop() {
    if (stopping != null) {
      return stopping;
    }
    Future<Void> byebye = discovered == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      discovered.close();
      return null;
    });
    stopping = byebye.eventually(() -> Future.join(reversed(deployments).stream().map(vertx::undeploy).toList())
        .<Void>mapEmpty()
        .eventually(() -> vertx.executeBlocking(() -> {
          outbox.close();
          return null;
        })));
    return stopping;
  }

  /** The hub's UPnP side when no connector address is configured: it announces itself and watches for connectors. */
  private record Discovered(UpnpNode node, Announcement announcement, Search search) implements AutoCloseable {
    static Discovered start(HubConfig config, MachineRef machine, ConnectorLink link) {
      var node = UpnpNode.shared(config.discovery());
      var announcement = node.announce(DeviceInfo.hub(machine.uid(), machine.name(), VERSION));
      var search = node.watch(Role.CONNECTOR, found -> link.connectorFound(found));
      return new Discovered(node, announcement, search);
    }

    @Override
    public void close() {
      search.close();
      announcement.close();
      node.close();
    }
  }

  private static <T> List<T> reversed(List<T> list) {
    var copy = new java.util.ArrayList<>(list);
    java.util.Collections.reverse(copy);
    return copy;
  }

  private record Opened(MachineRef machine, Outbox outbox) {
  }
}
