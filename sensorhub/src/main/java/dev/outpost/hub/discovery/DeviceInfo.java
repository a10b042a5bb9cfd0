package dev.outpost.hub.discovery;

import dev.outpost.protocol.Role;
import dev.outpost.protocol.Wire;
import java.util.Objects;

/**
 * What a machine announces about itself.
 *
 * @param role    connector or hub: gives the device type ({@link DeviceTypes#of})
 * @param uid     the machine UID ({@code machine.json}); becomes the serial number and, through
 *                {@link DeviceTypes#udnFor}, the UDN
 * @param name    the friendly name, 1 to 200 characters without control characters
 * @param version the software version, shown as model number; default {@link #DEFAULT_VERSION}
 * @param lanPort the TCP port of the connector's LAN gateway that hubs dial (required for a connector,
 *                1 to 65535); 0 for a hub, which listens on nothing
 */
public record DeviceInfo(Role role, String uid, String name, String version, int lanPort) {
  public static final String DEFAULT_VERSION = "0.1.0";

  public DeviceInfo {
    Objects.requireNonNull(role, "role");
    if (!Wire.isValidId(uid)) {
      throw new IllegalArgumentException("uid must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    }
    if (name == null || name.isBlank() || name.length() > 200 || hasControl(name)) {
      throw new IllegalArgumentException("name must be 1 to 200 characters without control characters");
    }
    version = version == null || version.isBlank() ? DEFAULT_VERSION : version.strip();
    if (version.length() > 64 || hasControl(version)) {
      throw new IllegalArgumentException("version must be at most 64 characters without control characters");
    }
    if (role == Role.CONNECTOR && (lanPort < 1 || lanPort > 65_535)) {
      throw new IllegalArgumentException("a connector must announce its LAN gateway port (1 to 65535), not "
          + lanPort);
    }
    if (role == Role.HUB && lanPort != 0) {
      throw new IllegalArgumentException("a hub has no LAN port to announce (give 0), not " + lanPort);
    }
  }

  /** A connector whose LAN gateway listens on {@code lanPort}. */
  public static DeviceInfo connector(String uid, String name, String version, int lanPort) {
    return new DeviceInfo(Role.CONNECTOR, uid, name, version, lanPort);
  }

  /** A hub. */
  public static DeviceInfo hub(String uid, String name, String version) {
    return new DeviceInfo(Role.HUB, uid, name, version, 0);
  }

  /** The device type announced. */
  public String deviceType() {
    return DeviceTypes.of(role);
  }

  static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0xfffe || c == 0xffff
          || Character.isSurrogate(c) && !validSurrogateAt(s, i)) {
        return true;
      }
    }
    return false;
  }

  private static boolean validSurrogateAt(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}
