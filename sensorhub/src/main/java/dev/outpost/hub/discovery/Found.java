package dev.outpost.hub.discovery;

import dev.outpost.protocol.Role;
import java.net.URI;

/**
 * A device seen on the LAN (or hosted by this very node) whose description was fetched and checked.
 * Discovery is only a hint where to dial: who the peer really is, the TLS certificate of the LAN link
 * decides.
 *
 * @param uid            the machine UID (the description's serial number; its UDN matched it)
 * @param name           friendly name
 * @param role           connector or hub, from the device type
 * @param version        model number (the software version), may be empty
 * @param address        the host the description came from (an IPv4 literal): the address to dial
 * @param port           the connector's LAN gateway port; 0 for a hub
 * @param descriptionUrl where the description was fetched
 * @param local          true if the device is hosted by this same node (same process)
 */
public record Found(String uid, String name, Role role, String version, String address, int port,
    URI descriptionUrl, boolean local) {

  /** {@code address:port}, the form {@code HubConfig.connector} takes; only for a device with a port. */
  public String hostPort() {
    if (port == 0) {
      throw new IllegalStateException(role.wireName() + " " + uid + " announces no port");
    }
    return address + ":" + port;
  }
}
