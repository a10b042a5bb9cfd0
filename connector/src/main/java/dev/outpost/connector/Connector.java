package dev.outpost.connector;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.MachineIdentity;
import dev.outpost.hub.CloudUplink;
import dev.outpost.hub.Outbox;
import dev.outpost.hub.SensorHub;
import dev.outpost.hub.SensorSchedule;
import dev.outpost.hub.files.BundleSection;
import dev.outpost.hub.files.FileRoute;
import dev.outpost.hub.files.FileTasks;
import dev.outpost.hub.impl.LocalCodec;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Role;
import dev.outpost.transport.Dialer;
import dev.outpost.hub.discovery.Announcement;
import dev.outpost.hub.discovery.DeviceInfo;
import dev.outpost.hub.discovery.DiscoveryListener;
import dev.outpost.hub.discovery.Found;
import dev.outpost.hub.discovery.Search;
import dev.outpost.hub.discovery.UpnpNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A running connector: a hub of its own (sensors → outbox), the LAN gateway for the site's hubs,
 * the uplink that empties the outbox into the cloud, and the command channel — verticles on one
 * Vert.x instance talking over its event bus.
 */
public final class Connector {
  public static final String OUTBOX_FILE = "outbox.db";

  private final Vertx vertx;
  private final MachineRef machine;
  private final Outbox outbox;
  private final Dialer dialer;
  private final LanGateway gateway;
  private final CloudUplink uplink;
  private final CommandChannel channel;
  private final SensorSchedule schedule;
  private final List<String> deployments;
  private final Announced announced;
  private Future<Void> stopping;

  private Connector(Vertx vertx, MachineRef machine, Outbox outbox, Dialer dialer, SensorSchedule schedule,
                    LanGateway gateway, CloudUplink uplink, CommandChannel channel, List<String> deployments,
                    Announced announced) {
    this.announced = announced;
    this.vertx = vertx;
    this.machine = machine;
    this.outbox = outbox;
    this.dialer = dialer;
    this.schedule = schedule;
    this.gateway = gateway;
    this.uplink = uplink;
    this.channel = channel;
    this.deployments = deployments;
  }

  /** Starts a connector whose diagnostic bundles carry its doctor's report ({@code sections/doctor.txt}). */
  public static Future<Connector> start(Vertx vertx, ConnectorConfig config) {
    return start(vertx, config, List.of(BundleSection.lazy("doctor.txt",
        () -> ConnectorDoctor.run(config).toText().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
  }

  /** Starts a connector whose diagnostic bundles carry these extra sections. */
  public static Future<Connector> start(Vertx vertx, ConnectorConfig config, List<BundleSection> sections) {
    SensorHub.registerCodecs(vertx);
    LocalCodec.register(vertx, MachineRef.class);
    LocalCodec.register(vertx, dev.outpost.protocol.ChannelMessage.EnrolHub.class);
    LocalCodec.register(vertx, dev.outpost.protocol.ChannelMessage.HubEnrolment.class);
    LocalCodec.register(vertx, dev.outpost.protocol.ChannelMessage.MoveHub.class);
    return vertx.executeBlocking(() -> {
      MachineRef machine = enrol(config);
      Dialer dialer = Dialer.create(config.cloud(), TlsFiles.inFolder(config.dataDir()));
      return new Opened(machine, Outbox.open(config.dataDir().resolve(OUTBOX_FILE), config.outbox()), dialer);
    }).compose(opened -> {
      var hubConfigs = new HubConfigs(config.dataDir());
      var schedule = new SensorSchedule(opened.machine(), config.dataDir(), opened.outbox());
      var gateway = new LanGateway(config, opened.outbox(), hubConfigs, opened.dialer());
      var route = FileRoute.through(opened.dialer());
      var files = new FileTasks(opened.machine(), config.dataDir(), () -> route, config, sections);
      var uplink = new CloudUplink(opened.machine().uid(), config.uplink(), opened.outbox(), opened.dialer(), gateway::clockOffsets);
      var channel = new CommandChannel(opened.machine(), config, opened.dialer(), hubConfigs);
      var support = new SupportAccess(config.dataDir());
      var remote = new RemoteAccess(config, support);
      var ids = Collections.synchronizedList(new ArrayList<String>());
      return vertx.deployVerticle(gateway).onSuccess(ids::add)
          .compose(id -> vertx.deployVerticle(uplink)).onSuccess(ids::add)
          .compose(id -> vertx.deployVerticle(support)).onSuccess(ids::add)
          .compose(id -> vertx.deployVerticle(remote)).onSuccess(ids::add)
          .compose(id -> vertx.deployVerticle(channel)).onSuccess(ids::add)
          .compose(id -> vertx.deployVerticle(schedule)).onSuccess(ids::add)
          .compose(id -> vertx.deployVerticle(files)).onSuccess(ids::add)
          .compose(id -> vertx.executeBlocking(() -> Announced.start(vertx, config, opened.machine(), gateway.port()))
              .recover(e -> {
                // Hubs with a configured address still link; only discovery is missing.
                org.slf4j.LoggerFactory.getLogger(Connector.class).warn("UPnP discovery is off: {}", e.getMessage());
                return Future.succeededFuture(null);
              }))
          .map(announced -> new Connector(vertx, opened.machine(), opened.outbox(), opened.dialer(), schedule, gateway,
              uplink, channel, List.copyOf(ids), announced))
          .recover(e -> undeploy(vertx, ids).eventually(() -> close(vertx, opened.outbox(), opened.dialer()))
              .transform(v -> Future.failedFuture(e)));
    });
  }

  /**
   * Blocking. Makes the machine's identity on first use and enrols it at the cloud with the config's
   * token unless it is enrolled already: what {@link #start} does first, for installers that enrol
   * before the service runs.
   *
   * @throws IllegalStateException if it is not enrolled and has no token, or the cloud refused it
   * @throws dev.outpost.transport.DialException if the cloud cannot be reached
   */
  public static MachineRef enrol(ConnectorConfig config) {
    MachineRef machine = MachineIdentity.loadOrCreate(config.dataDir(), config.name(), Role.CONNECTOR);
    CloudEnrolment.ensure(config, machine);
    return machine;
  }

  public MachineRef machine() {
    return machine;
  }

  public Outbox outbox() {
    return outbox;
  }

  /** The port of the LAN gateway. */
  public int lanPort() {
    return gateway.port();
  }

  /** Hubs linked right now. */
  public int linkedHubs() {
    return gateway.linkedHubs();
  }

  /** Hubs' signed file requests the LAN gateway passed on to the cloud since start. */
  public long filesForwarded() {
    return gateway.filesForwarded();
  }

  /** True while the command channel to the cloud is open. */
  public boolean channelOpen() {
    return channel.isOpen();
  }

  /** Measurements the cloud acknowledged since start. */
  public long uploaded() {
    return uplink.uploaded();
  }

  /** The configuration the connector runs now. */
  public MachineConfig configuration() {
    return schedule.current();
  }

  /** Says byebye, stops the verticles, closes outbox and dialer; once (later calls get the same future). */
  public synchronized Future<Void> stop() {
    if (stopping == null) {
      stopping = vertx.<Void>executeBlocking(() -> {
        if (announced != null) {
          announced.close();
        }
        return null;
      }).eventually(() -> undeploy(vertx, deployments)).eventually(() -> close(vertx, outbox, dialer));
    }
    return stopping;
  }

  /**
   * The connector on UPnP: announced as a connector device with its LAN port (hubs that search find
   * it, whichever starts first), and watching for hubs' announcements.
   */
  private record Announced(UpnpNode node, Announcement announcement, Search hubs) implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Connector.class);

    static Announced start(Vertx vertx, ConnectorConfig config, MachineRef machine, int lanPort) {
      var node = UpnpNode.shared(config.discovery());
      var announcement = node.announce(DeviceInfo.connector(machine.uid(), machine.name(), SensorHub.VERSION, lanPort));
      var hubs = node.watch(Role.HUB, new DiscoveryListener() {
        @Override
        public void found(Found hub) {
          LOG.info("hub {} ({}) announced at {}", hub.name(), hub.uid(), hub.address());
        }

        @Override
        public void gone(Found hub, Gone why) {
          LOG.info("hub {} ({}) {}", hub.name(), hub.uid(), why == Gone.BYEBYE ? "shut down (byebye)" : "lost");
          if (why == Gone.BYEBYE && vertx != null) {
            vertx.eventBus().publish(ConnectorAddresses.MACHINE_LEFT, hub.uid());
          }
        }
      });
      LOG.info("announced on UPnP ({}) with LAN port {}", node.interfaces(), lanPort);
      return new Announced(node, announcement, hubs);
    }

    @Override
    public void close() {
      hubs.close();
      announcement.close();
      node.close();
    }
  }

  private static Future<Void> undeploy(Vertx vertx, List<String> ids) {
    var reversed = new ArrayList<>(ids);
    Collections.reverse(reversed);
    return Future.join(reversed.stream().map(vertx::undeploy).toList()).mapEmpty();
  }

  private static Future<Void> close(Vertx vertx, Outbox outbox, Dialer dialer) {
    return vertx.executeBlocking(() -> {
      outbox.close();
      dialer.close();
      return null;
    });
  }

  private record Opened(MachineRef machine, Outbox outbox, Dialer dialer) {
  }
}
