package dev.outpost.hub.discovery;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.List;

/** The IPv4 subnets of one interface; tells whether a datagram's source is on that link. */
final class Subnets {
  private record Net(int address, int mask) {
  }

  private final List<Net> nets;

  private Subnets(List<Net> nets) {
    this.nets = nets;
  }

  static Subnets of(NetworkInterface iface) {
    var nets = new ArrayList<Net>();
    for (InterfaceAddress ia : iface.getInterfaceAddresses()) {
      if (ia != null && ia.getAddress() instanceof Inet4Address a) {
        int prefix = ia.getNetworkPrefixLength();
        if (prefix < 0 || prefix > 32) {
          prefix = 32;
        }
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        nets.add(new Net(toInt(a) & mask, mask));
      }
    }
    return new Subnets(List.copyOf(nets));
  }

  boolean contains(InetAddress address) {
    if (!(address instanceof Inet4Address a)) {
      return false;
    }
    int x = toInt(a);
    for (Net n : nets) {
      if ((x & n.mask()) == n.address()) {
        return true;
      }
    }
    return false;
  }

  private static int toInt(Inet4Address a) {
    byte[] b = a.getAddress();
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }
}
