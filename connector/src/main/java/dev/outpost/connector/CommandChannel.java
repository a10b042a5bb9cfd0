package dev.outpost.connector;

import dev.outpost.hub.HubAddresses;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.FileOutcome;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import dev.outpost.transport.Channel;
import dev.outpost.transport.ChannelListener;
import dev.outpost.transport.Dialer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's long-lived command channel to the cloud: one outbound WebSocket through the
 * {@link Dialer}, reopened with backoff whenever it drops. It tells the cloud which hubs are behind
 * the connector and takes configurations: its own go to {@link HubAddresses#CONFIG_RECEIVED}, a
 * hub's are kept in {@link HubConfigs} and passed on to the gateway.
 */
public final class CommandChannel extends VerticleBase {
  public static final String PATH = "/device/v1/channel";
  private static final Logger log = LoggerFactory.getLogger(CommandChannel.class);

  private final MachineRef connector;
  private final ConnectorConfig config;
  private final Dialer dialer;
  private final HubConfigs hubConfigs;
  private Channel channel;
  /** Hubs' enrolment requests that came while the channel was down; sent when it opens. */
  private final List<ChannelMessage.EnrolHub> enrolmentsWaiting = new java.util.ArrayList<>();
  private static final int MAX_ENROLMENTS_WAITING = 1_000;
  private int failures;
  private boolean stopped;

  public CommandChannel(MachineRef connector, ConnectorConfig config, Dialer dialer, HubConfigs hubConfigs) {
    this.connector = connector;
    this.config = config;
    this.dialer = dialer;
    this.hubConfigs = hubConfigs;
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<MachineRef>consumer(ConnectorAddresses.HUB_SEEN, message -> {
      if (channel != null) {
        channel.send(Wire.toJsonString(new ChannelMessage.MachinesSeen(List.of(message.body()))));
      }
    });
    vertx.eventBus().<String>consumer(ConnectorAddresses.MACHINE_LEFT, message -> {
      if (channel != null) {
        channel.send(Wire.toJsonString(new ChannelMessage.MachineLeft(message.body(), "shut down")));
      }
    });
    vertx.eventBus().<ChannelMessage.EnrolHub>consumer(ConnectorAddresses.HUB_ENROL, message -> {
      if (channel != null) {
        channel.send(Wire.toJsonString(message.body()));
      } else if (enrolmentsWaiting.size() < MAX_ENROLMENTS_WAITING) {
        log.info("a hub asks to be enrolled while the cloud is out of reach; passed on when the channel opens");
        enrolmentsWaiting.add(message.body());
      }
    });
    vertx.eventBus().<String>consumer(ConnectorAddresses.SUPPORT_CHANGED, message -> {
      if (channel != null) {
        channel.send(message.body());
      }
    });
    vertx.eventBus().<String>consumer(ConnectorAddresses.TO_CLOUD, message -> {
      if (channel != null) {
        channel.send(message.body());
      } else {
        log.debug("the cloud is out of reach; not sent: {}", message.body());
      }
    });
    vertx.eventBus().<String>consumer(HubAddresses.FILE_DONE, message -> {
      if (channel != null) {
        channel.send(Wire.toJsonString(new ChannelMessage.FileDone(Wire.fromJson(message.body(), FileOutcome.class))));
      } else {
        log.warn("the cloud is out of reach; a file outcome is not reported: {}", message.body());
      }
    });
    connect();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (channel != null) {
      channel.send(Wire.toJsonString(new ChannelMessage.MachineLeft(connector.uid(), "shut down")));
      channel.close(1001, "connector stopping");
    }
    return Future.succeededFuture();
  }

  /** True while the channel is open. */
  public boolean isOpen() {
    return channel != null;
  }

  private void connect() {
    if (stopped) {
      return;
    }
    var listener = new ChannelListener() {
      @Override
      public void onText(Channel from, String text) {
        context.runOnContext(v -> received(from, text));
      }

      @Override
      public void onClosed(Channel from, int code, String reason) {
        context.runOnContext(v -> lost(from, "closed: " + code + " " + reason));
      }

      @Override
      public void onFailure(Channel from, Throwable error) {
        context.runOnContext(v -> lost(from, String.valueOf(error.getMessage())));
      }
    };
    vertx.executeBlocking(hubConfigs::known)
        .compose(hubs -> Future.fromCompletionStage(
                dialer.openChannel(PATH, Map.of(), listener), context)
            .compose(opened -> vertx.executeBlocking(() -> SupportAccess.load(config.dataDir())).map(support -> {
              opened.send(Wire.toJsonString(new ChannelMessage.Hello(Wire.VERSION, connector, hubs)));
              opened.send(Wire.toJsonString(support.message()));
              return opened;
            })))
        .onSuccess(opened -> {
          channel = opened;
          failures = 0;
          log.info("command channel open via {}", dialer.currentRoute());
          enrolmentsWaiting.forEach(enrol -> opened.send(Wire.toJsonString(enrol)));
          enrolmentsWaiting.clear();
          vertx.eventBus().publish(ConnectorAddresses.CHANNEL_OPENED, null);
        })
        .onFailure(e -> reconnectLater(e.getMessage()));
  }

  private void received(Channel from, String text) {
    ChannelMessage message;
    try {
      message = Wire.fromJson(text, ChannelMessage.class);
    } catch (WireFormatException e) {
      log.warn("cloud sent a bad message ({}); ignored", e.getMessage());
      return;
    }
    if (message instanceof ChannelMessage.Configure configure) {
      MachineConfig machineConfig = configure.config();
      if (machineConfig.machine().equals(connector.uid())) {
        vertx.eventBus().publish(HubAddresses.CONFIG_RECEIVED, machineConfig);
      } else {
        vertx.executeBlocking(() -> {
          hubConfigs.save(machineConfig);
          return machineConfig;
        }).onSuccess(saved -> vertx.eventBus().publish(ConnectorAddresses.HUB_CONFIG, saved))
            .onFailure(e -> log.error("cannot keep the configuration of hub {}: {}", machineConfig.machine(), e.getMessage()));
      }
    } else if (message instanceof ChannelMessage.HubEnrolment enrolment && enrolment.uid().equals(connector.uid())) {
      renewed(enrolment);
    } else if (message instanceof ChannelMessage.HubEnrolment enrolment) {
      vertx.eventBus().publish(ConnectorAddresses.HUB_ENROLMENT, enrolment);
    } else if (message instanceof ChannelMessage.MoveHub move) {
      log.info("the cloud moves hub {} to connector {}", move.hub(), move.connector());
      vertx.eventBus().publish(ConnectorAddresses.HUB_MOVE, move);
    } else if (message instanceof ChannelMessage.SessionOffer
        || message instanceof ChannelMessage.SessionStart
        || message instanceof ChannelMessage.SessionEnd) {
      vertx.eventBus().publish(ConnectorAddresses.SESSION_COMMAND, text);
    } else if (message instanceof ChannelMessage.File file) {
      // the connector's own tasks go to its FileTasks, a hub's to the LAN gateway
      vertx.eventBus().publish(file.task().machine().equals(connector.uid()) ? HubAddresses.FILE_TASK : ConnectorAddresses.HUB_FILE,
          Wire.toJsonString(file.task()));
    } else if (message instanceof ChannelMessage.Revoked revoked) {
      log.warn("the cloud revoked machine {}", revoked.uid());
      vertx.eventBus().publish(ConnectorAddresses.REVOKED, revoked.uid());
    } else {
      log.warn("unexpected {} from the cloud; ignored", message.getClass().getSimpleName());
    }
  }

  /** The cloud renewed this connector's certificate: keep it; new connections use it at once. */
  private void renewed(ChannelMessage.HubEnrolment enrolment) {
    if (enrolment.answer() == null || enrolment.answer().state() != dev.outpost.protocol.Enrolment.State.APPROVED) {
      return;
    }
    vertx.executeBlocking(() -> {
      dev.outpost.hub.EnrolmentKeys.renew(config.dataDir(), connector.uid(), connector.role(), enrolment.answer());
      return null;
    }).onSuccess(v -> {
      log.info("installed this connector's renewed certificate");
      vertx.eventBus().publish(ConnectorAddresses.CERTIFICATE_RENEWED, connector.uid());
    }).onFailure(e -> log.error("refused a renewed certificate: {}", e.getMessage()));
  }

  private void lost(Channel from, String why) {
    // A failure before the open completed is handled by the open's own failure.
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
      log.warn("command channel down ({}); retrying in {} ms", why, wait);
    }
    vertx.setTimer(wait, id -> connect());
  }
}
