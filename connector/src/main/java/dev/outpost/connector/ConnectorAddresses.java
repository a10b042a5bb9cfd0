package dev.outpost.connector;

/** Event-bus addresses inside a connector, beside the hub's {@link dev.outpost.hub.HubAddresses}. */
public final class ConnectorAddresses {
  /** A hub said hello on the LAN gateway (body: its {@link dev.outpost.protocol.MachineRef}). */
  public static final String HUB_SEEN = "hubs.seen";
  /** The cloud sent a configuration for one of the hubs (body: {@link dev.outpost.protocol.MachineConfig}). */
  public static final String HUB_CONFIG = "hubs.config";

  private ConnectorAddresses() {
  }
}
