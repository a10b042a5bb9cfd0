/**
 * LAN discovery over UPnP/SSDP (UDP 1900), on jUPnP: connectors and hubs announce themselves as UPnP root
 * devices of our own types ({@code urn:outpost-dev:device:connector:1}, {@code urn:outpost-dev:device:hub:1})
 * and find each other whichever starts first.
 *
 * <h2>API</h2>
 * <ul>
 *   <li>{@link dev.outpost.hub.discovery.DiscoveryConfig}: the interfaces (tests and the demo: {@code lo}
 *       via {@link dev.outpost.hub.discovery.DiscoveryConfig#loopback()}; default: every non-loopback IPv4
 *       interface that is up and multicast-capable), the HTTP port of the descriptions (0: a free one,
 *       advertised as the concrete port), the search interval, multicast TTL and max-age.</li>
 *   <li>{@link dev.outpost.hub.discovery.UpnpNode}: one jUPnP service on those interfaces. Create one per
 *       process with {@link dev.outpost.hub.discovery.UpnpNode#shared} (reference-counted; each user closes
 *       its own reference) or own one with {@link dev.outpost.hub.discovery.UpnpNode#start}. A node hosts
 *       any number of devices and searches, and its searches also report the devices it hosts itself
 *       (the demo runs a connector and two hubs on one node).</li>
 *   <li>{@link dev.outpost.hub.discovery.UpnpNode#announce} with a
 *       {@link dev.outpost.hub.discovery.DeviceInfo} (role, machine uid, name, version, and for a connector
 *       its LAN gateway port) returns an {@link dev.outpost.hub.discovery.Announcement}; closing it (or the
 *       node) sends SSDP byebye before it returns.</li>
 *   <li>{@link dev.outpost.hub.discovery.UpnpNode#search} / {@link dev.outpost.hub.discovery.UpnpNode#watch}
 *       for a role: M-SEARCH at once and every search interval, NOTIFY alive/byebye heard; each device is
 *       reported once as a {@link dev.outpost.hub.discovery.Found} (uid, name, role, version, the address its
 *       description came from, the connector's LAN port, the description URL), and a watch is told when it
 *       goes ({@link dev.outpost.hub.discovery.DiscoveryListener.Gone#BYEBYE} for a clean shutdown,
 *       {@code LOST} for expiry or a new address). Calls come one at a time on the node's discovery thread.</li>
 * </ul>
 *
 * <h2>Wiring</h2>
 * <pre>{@code
 * // connector (once, at start; LanGateway listens on lanPort)
 * UpnpNode upnp = UpnpNode.shared(discoveryConfig);
 * upnp.announce(DeviceInfo.connector(machine.uid(), machine.name(), version, lanPort));
 * upnp.watch(Role.HUB, new DiscoveryListener() {
 *   public void found(Found hub) { context.runOnContext(v -> adoptOrIgnore(hub)); }        // hub dials us
 *   public void gone(Found hub, Gone why) { context.runOnContext(v -> hubLeft(hub, why)); } // BYEBYE = shut down
 * });
 * // hub (when no connector address is configured)
 * UpnpNode upnp = UpnpNode.shared(discoveryConfig);
 * upnp.announce(DeviceInfo.hub(machine.uid(), machine.name(), version));
 * Search s = upnp.search(Role.CONNECTOR, c -> context.runOnContext(v -> dial(c.hostPort())));
 * // stop: close the Search/Announcement or the node reference (byebye goes out before close returns)
 * }</pre>
 * Discovery is a hint where to dial: who a peer is, its TLS certificate from the organisation's CA
 * decides. A remembered connector is recognised by {@link dev.outpost.hub.discovery.Found#uid()}, whatever
 * its address.
 *
 * <h2>Network rule and robustness</h2>
 * Only the configured interfaces are used: the SSDP receiver joins the group on each of them (bound to the
 * group address, not the wildcard, where the OS allows), outgoing multicast is pinned to the interface with
 * the configured TTL, and the description server listens on the interfaces' addresses only. Every datagram
 * passes a guard before jUPnP sees it: oversized, truncated, malformed, self-contradicting, spoofed
 * (LOCATION on another host than the sender) and excess datagrams are dropped and counted
 * ({@link dev.outpost.hub.discovery.UpnpNode#stats()}), with at most one log line per reason per 30 s;
 * descriptions are fetched without redirects, with time and size limits, parsed without DOCTYPE and
 * checked (UDN derived from the serial number, lanPort for a connector) before anything is reported.
 */
package dev.outpost.hub.discovery;
