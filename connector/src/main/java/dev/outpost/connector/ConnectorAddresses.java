package dev.outpost.connector;

/** Event-bus addresses inside a connector, beside the hub's {@link dev.outpost.hub.HubAddresses}. */
public final class ConnectorAddresses {
  /** A hub said hello on the LAN gateway (body: its {@link dev.outpost.protocol.MachineRef}). */
  public static final String HUB_SEEN = "hubs.seen";
  /** The cloud sent a configuration for one of the hubs (body: {@link dev.outpost.protocol.MachineConfig}). */
  public static final String HUB_CONFIG = "hubs.config";

  /** A hub asks to be enrolled (body: {@link dev.outpost.protocol.ChannelMessage.EnrolHub}); the channel passes it on. */
  public static final String HUB_ENROL = "hubs.enrol";
  /** The cloud's answer to a hub's enrolment (body: {@link dev.outpost.protocol.ChannelMessage.HubEnrolment}). */
  public static final String HUB_ENROLMENT = "hubs.enrolment";
  /** A machine was revoked (body: its uid as String); its links close and stay refused. */
  public static final String REVOKED = "machines.revoked";

  /** The connector installed a renewed certificate of its own (body: its uid). */
  public static final String CERTIFICATE_RENEWED = "identity.renewed";

  /** A hub shut down cleanly (body: its uid as String): goodbye on its link, or an SSDP byebye. */
  public static final String MACHINE_LEFT = "machines.left";

  /** The cloud moves a hub to another connector (body: {@link dev.outpost.protocol.ChannelMessage.MoveHub}). */
  public static final String HUB_MOVE = "hubs.move";

  /** A file task from the cloud for one of the hubs (body: the {@link dev.outpost.protocol.FileTask} as JSON). */
  public static final String HUB_FILE = "hubs.file";

  private ConnectorAddresses() {
  }

  /** The command channel to the cloud opened (body: nothing). */
  public static final String CHANNEL_OPENED = "channel.opened";

  /** Support access changed (body: the {@code ChannelMessage.SupportState} as JSON). */
  public static final String SUPPORT_CHANGED = "support.changed";

  /** A remote-session command from the cloud (body: the channel message as JSON). */
  public static final String SESSION_COMMAND = "sessions.command";

  /** A message for the cloud's command channel (body: the channel message as JSON); dropped while it is down. */
  public static final String TO_CLOUD = "channel.send";
}
