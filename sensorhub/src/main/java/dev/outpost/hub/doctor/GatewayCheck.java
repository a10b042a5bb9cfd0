package dev.outpost.hub.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether the kernel has a default route, read from its routing table; nothing is sent. */
public final class GatewayCheck {
  /** Linux's IPv4 routing table. */
  public static final Path KERNEL_ROUTES = Path.of("/proc/net/route");
  static final String NAME = "gateway";

  private GatewayCheck() {
  }

  /** Reads a table in the format of {@code /proc/net/route}. */
  public static Check run(Path routes) {
    try {
      for (String line : Files.readAllLines(routes)) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length > 2 && fields[1].equals("00000000") && !fields[0].equals("Iface")) {
          return Check.ok(NAME, "default route via " + address(fields[2]) + " on " + fields[0]);
        }
      }
      return Check.fail(NAME, "no default route: this machine reaches no network beyond its own",
          "set a default gateway in the network settings (or a route to the cloud's and the proxy's networks)");
    } catch (IOException e) {
      return Check.warn(NAME, "cannot read the routing table " + routes + " (" + e.getMessage() + ")",
          "check the default gateway by hand (ip route)");
    }
  }

  private static String address(String hexLittleEndian) {
    long value = Long.parseLong(hexLittleEndian, 16);
    return (value & 0xff) + "." + (value >> 8 & 0xff) + "." + (value >> 16 & 0xff) + "." + (value >> 24 & 0xff);
  }
}
