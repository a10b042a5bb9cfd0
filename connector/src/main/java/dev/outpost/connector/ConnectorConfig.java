package dev.outpost.connector;

import dev.outpost.hub.CloudUplink;
import dev.outpost.hub.HubConfig;
import dev.outpost.hub.OutboxLimits;
import dev.outpost.transport.DialerConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a connector needs to start. Its sensors, like a hub's, come from the cloud.
 *
 * @param dataDir  the machine's folder: identity, trusted CA, outbox, configurations of its hubs
 * @param name     a human name; default: the host name
 * @param lanHost  the address the LAN gateway listens on (a LAN address; never one reachable from the internet)
 * @param lanPort  the LAN gateway's TLS port, {@value HubConfig#DEFAULT_CONNECTOR_PORT} when left out; 0 picks a free one
 * @param cloud    how to reach the cloud (endpoints, ports, proxy, backoff)
 * @param token    the one-time enrolment token made in the cloud for this connector; needed only
 *                 until the connector is enrolled (its certificate is in the data folder)
 * @param outbox   limits of the connector's outbox
 * @param uplink   how the connector uploads (upload size, uploads at once, backlog rate after an outage)
 * @param discovery where the connector announces itself and looks for hubs by UPnP (default: every
 *                 non-loopback IPv4 interface)
 * @param remote   which targets remote sessions may reach through this connector (default: the
 *                 connector itself only)
 * @param doctor   settings of {@code outpost connector doctor} (its clock threshold, …)
 */
public record ConnectorConfig(Path dataDir, String name, String lanHost, Integer lanPort, DialerConfig cloud,
                              String token, OutboxLimits outbox, CloudUplink.Settings uplink,
                              dev.outpost.hub.discovery.DiscoveryConfig discovery, SitePolicy remote,
                              dev.outpost.hub.doctor.DoctorSettings doctor) {
  public static final String DEFAULT_LAN_HOST = "0.0.0.0";

  public ConnectorConfig {
    if (dataDir == null) {
      throw new IllegalArgumentException("dataDir is required");
    }
    if (name == null || name.isBlank()) {
      name = hostName();
    }
    lanHost = lanHost == null || lanHost.isBlank() ? DEFAULT_LAN_HOST : lanHost;
    if (lanPort == null || lanPort == -1) {
      lanPort = HubConfig.DEFAULT_CONNECTOR_PORT;
    }
    if (lanPort < 0 || lanPort > 65_535) {
      throw new IllegalArgumentException("lanPort must be 0 to 65535");
    }
    if (cloud == null) {
      throw new IllegalArgumentException("cloud (endpoints of the cloud collector) is required");
    }
    token = token == null || token.isBlank() ? null : token.strip();
    outbox = outbox == null ? OutboxLimits.DEFAULTS : outbox;
    uplink = uplink == null ? CloudUplink.Settings.DEFAULTS : uplink;
    discovery = discovery == null ? dev.outpost.hub.discovery.DiscoveryConfig.DEFAULTS : discovery;
    remote = remote == null ? SitePolicy.DEFAULTS : remote;
    doctor = doctor == null ? dev.outpost.hub.doctor.DoctorSettings.DEFAULTS : doctor;
  }

  public ConnectorConfig(Path dataDir, String name, String lanHost, int lanPort, DialerConfig cloud, String token,
                         OutboxLimits outbox, CloudUplink.Settings uplink, dev.outpost.hub.discovery.DiscoveryConfig discovery,
                         SitePolicy remote) {
    this(dataDir, name, lanHost, lanPort, cloud, token, outbox, uplink, discovery, remote, null);
  }

  public ConnectorConfig(Path dataDir, String name, String lanHost, Integer lanPort, DialerConfig cloud, String token,
                         OutboxLimits outbox, CloudUplink.Settings uplink, dev.outpost.hub.discovery.DiscoveryConfig discovery) {
    this(dataDir, name, lanHost, lanPort, cloud, token, outbox, uplink, discovery, null, null);
  }

  @Override
  public String toString() {
    return "ConnectorConfig[dataDir=" + dataDir + ", name=" + name + ", lan=" + lanHost + ":" + lanPort
        + ", cloud=" + cloud + ", token=" + (token == null ? "none" : "***") + "]";
  }

  /** The same configuration with this enrolment token (from the command line). */
  public ConnectorConfig withToken(String newToken) {
    return new ConnectorConfig(dataDir, name, lanHost, lanPort, cloud, newToken, outbox, uplink, discovery, remote, doctor);
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "connector";
    }
  }
}
