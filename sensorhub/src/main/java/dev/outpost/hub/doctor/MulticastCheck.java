package dev.outpost.hub.doctor;

import dev.outpost.hub.discovery.DiscoveryConfig;
import dev.outpost.hub.discovery.DiscoveryException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Whether SSDP multicast works on each configured LAN interface: join
 * {@value DiscoveryConfig#SSDP_GROUP} on the interface, send an M-SEARCH for a search target no
 * device has (nobody answers it) out of that interface only, and wait for the probe to come back
 * through the group. A running connector or hub on the same machine shares the port (address reuse).
 */
public final class MulticastCheck {
  static final String NAME = "multicast";

  private MulticastCheck() {
  }

  /** Blocking; one check per interface. */
  public static List<Check> run(DiscoveryConfig discovery, Duration wait) {
    List<NetworkInterface> interfaces;
    try {
      interfaces = discovery.resolveInterfaces();
    } catch (DiscoveryException e) {
      return List.of(Check.fail(NAME, e.getMessage(), "name the LAN interfaces in discovery.interfaces"));
    }
    var checks = new ArrayList<Check>();
    for (var iface : interfaces) {
      checks.add(probe(iface, discovery.ttl(), wait));
    }
    return checks;
  }

  private static Check probe(NetworkInterface iface, int ttl, Duration wait) {
    String target = "urn:outpost-dev:doctor:" + UUID.randomUUID();
    byte[] search = ("M-SEARCH * HTTP/1.1\r\nHOST: " + DiscoveryConfig.SSDP_GROUP + ":" + DiscoveryConfig.SSDP_PORT
        + "\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: " + target + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    var group = new InetSocketAddress(groupAddress(), DiscoveryConfig.SSDP_PORT);
    String where = iface.getName() + ": ";
    try (var socket = new MulticastSocket(DiscoveryConfig.SSDP_PORT)) {
      socket.joinGroup(group, iface);
      socket.setNetworkInterface(iface);
      socket.setTimeToLive(ttl);
      socket.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
      socket.send(new DatagramPacket(search, search.length, group));
      long deadline = System.nanoTime() + wait.toNanos();
      var buffer = new byte[2048];
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return Check.fail(NAME, where + "joined " + DiscoveryConfig.SSDP_GROUP + " but our probe did not come back within "
              + wait.toMillis() + " ms", "the interface does not pass multicast: check its MULTICAST flag and a route for"
              + " 224.0.0.0/4, and that the host firewall allows UDP " + DiscoveryConfig.SSDP_PORT);
        }
        socket.setSoTimeout((int) left);
        var packet = new DatagramPacket(buffer, buffer.length);
        try {
          socket.receive(packet);
        } catch (SocketTimeoutException e) {
          continue;
        }
        if (new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII).contains(target)) {
          return Check.ok(NAME, where + "joined " + DiscoveryConfig.SSDP_GROUP + ":" + DiscoveryConfig.SSDP_PORT
              + " and heard our own probe (TTL " + ttl + ")");
        }
      }
    } catch (IOException e) {
      return Check.fail(NAME, where + "cannot use " + DiscoveryConfig.SSDP_GROUP + ":" + DiscoveryConfig.SSDP_PORT + ": "
          + e.getMessage(), "check that the interface supports multicast and that UDP " + DiscoveryConfig.SSDP_PORT
          + " is not taken exclusively by another program");
    }
  }

  private static InetAddress groupAddress() {
    try {
      return InetAddress.getByName(DiscoveryConfig.SSDP_GROUP);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
