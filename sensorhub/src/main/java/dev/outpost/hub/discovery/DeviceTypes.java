package dev.outpost.hub.discovery;

import dev.outpost.protocol.Role;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The names Outpost uses in UPnP: device types in the project's own URN domain, the UDN of a machine,
 * and the vendor element that carries a connector's LAN gateway port.
 */
public final class DeviceTypes {
  /** The URN domain of our device types (a domain name with its dots replaced by hyphens, per UDA). */
  public static final String DOMAIN = "outpost-dev";
  /** The prefix every Outpost device type starts with. */
  public static final String PREFIX = "urn:" + DOMAIN + ":device:";
  public static final int VERSION = 1;
  public static final String CONNECTOR = PREFIX + "connector:" + VERSION;
  public static final String HUB = PREFIX + "hub:" + VERSION;
  public static final String MANUFACTURER = "Outpost";
  /** XML namespace of the vendor elements in our device descriptions. */
  public static final String VENDOR_NAMESPACE = "urn:" + DOMAIN + ":schemas:device-1-0";
  /** Prefix used for {@link #VENDOR_NAMESPACE} in generated descriptions. */
  public static final String VENDOR_PREFIX = "outpost";
  /** Vendor element inside {@code <device>} holding the connector's LAN gateway port. */
  public static final String LAN_PORT_ELEMENT = "lanPort";

  private static final Pattern TYPE = Pattern.compile(Pattern.quote(PREFIX) + "(connector|hub):([1-9][0-9]{0,3})");
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private DeviceTypes() {
  }

  /** The device type a machine of this role announces. */
  public static String of(Role role) {
    return switch (role) {
      case CONNECTOR -> CONNECTOR;
      case HUB -> HUB;
      case RELAY -> throw new IllegalArgumentException("relays are not on a site's LAN and do not announce themselves");
    };
  }

  /**
   * The role of an Outpost device type of any version ({@code urn:outpost-dev:device:hub:2} is a hub too,
   * as UDA asks control points to accept higher versions); empty for every other text.
   */
  public static Optional<Role> roleOf(String deviceType) {
    if (deviceType == null) {
      return Optional.empty();
    }
    var m = TYPE.matcher(deviceType);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(m.group(1).equals("hub") ? Role.HUB : Role.CONNECTOR);
  }

  /** Model name shown in the description. */
  public static String modelName(Role role) {
    return role == Role.CONNECTOR ? "Outpost Connector" : "Outpost Sensor Hub";
  }

  /**
   * The UPnP device UUID of a machine: the uid itself if it is a UUID (lower case), otherwise a name-based
   * (version 3) UUID of {@code "outpost:" + uid}. The same uid always gives the same UDN.
   */
  public static UUID udnFor(String uid) {
    if (uid == null || uid.isEmpty()) {
      throw new IllegalArgumentException("uid is required");
    }
    if (UUID_TEXT.matcher(uid).matches()) {
      return UUID.fromString(uid);
    }
    return UUID.nameUUIDFromBytes(("outpost:" + uid).getBytes(StandardCharsets.UTF_8));
  }

  /** True if the text is a UUID in its 8-4-4-4-12 hex form. */
  static boolean isUuid(String text) {
    return text != null && UUID_TEXT.matcher(text).matches();
  }
}
