package dev.outpost.hub.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.Role;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Device descriptions as peers serve them, device types and UDNs. */
class DiscoveryDescriptionTest {
  static String description(String type, String udn, String serial, String extra) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<root xmlns=\"urn:schemas-upnp-org:device-1-0\">"
        + "<specVersion><major>1</major><minor>0</minor></specVersion>"
        + "<device><deviceType>" + type + "</deviceType><friendlyName>Site A &amp; B</friendlyName>"
        + "<manufacturer>Outpost</manufacturer><modelName>Outpost Connector</modelName>"
        + "<modelNumber>1.2.3</modelNumber><serialNumber>" + serial + "</serialNumber>"
        + "<UDN>" + udn + "</UDN>" + extra + "</device></root>";
  }

  static String port(int p) {
    return "<outpost:lanPort xmlns:outpost=\"" + DeviceTypes.VENDOR_NAMESPACE + "\">" + p + "</outpost:lanPort>";
  }

  static final String UID = "conn-1";
  static final String UDN = "uuid:" + DeviceTypes.udnFor(UID);

  @Test
  void aGoodConnectorAndHub() throws Exception {
    var d = Description.parse(description(DeviceTypes.CONNECTOR, UDN, UID, port(4443)));
    assertEquals(new Description(DeviceTypes.udnFor(UID), UID, "Site A & B", Role.CONNECTOR, "1.2.3", 4443), d);
    var h = Description.parse(description("urn:outpost-dev:device:hub:2", UDN, UID, ""));
    assertEquals(Role.HUB, h.role());
    assertEquals(0, h.lanPort());
  }

  @Test
  void contradictionsAreRefused() {
    assertInvalid(description(DeviceTypes.CONNECTOR, UDN, UID, ""), "without its lanPort");
    assertInvalid(description(DeviceTypes.CONNECTOR, UDN, UID, port(0)), "not a port");
    assertInvalid(description(DeviceTypes.CONNECTOR, UDN, UID, port(4443) + port(4444)), "more than one");
    assertInvalid(description(DeviceTypes.CONNECTOR, "uuid:" + UUID.randomUUID(), UID, port(1)), "does not belong");
    assertInvalid(description(DeviceTypes.CONNECTOR, UDN, "bad uid!", port(1)), "serialNumber");
    assertInvalid(description("urn:schemas-upnp-org:device:MediaServer:1", UDN, UID, ""), "not an Outpost");
    assertInvalid(description(DeviceTypes.CONNECTOR, "12345", UID, port(1)), "not uuid:UUID");
    assertInvalid(description(DeviceTypes.CONNECTOR, UDN, UID, port(1)).replace("urn:schemas-upnp-org:device-1-0",
        "urn:other"), "document element");
    assertInvalid(description(DeviceTypes.CONNECTOR, UDN, UID, port(1)).replace("</device>",
        "</device><device/>"), "one <device>");
    assertInvalid(description(DeviceTypes.CONNECTOR, UDN, UID, port(1)).replace("Site A &amp; B", "\u0001"),
        "not well-formed");
  }

  @Test
  void brokenAndHostileXmlIsRefused() {
    String good = description(DeviceTypes.CONNECTOR, UDN, UID, port(4443));
    assertInvalid("", "empty");
    assertInvalid(good.substring(0, good.length() / 2), "not well-formed");
    assertInvalid("<root", "not well-formed");
    assertInvalid("not xml at all", "not well-formed");
    assertInvalid(good.replace("<root ", "<root a=\"1\" a=\"2\" "), "not well-formed");
    assertInvalid(" ".repeat(Description.MAX_CHARS) + good, "longer than");
    // external entity: must not be resolved (the file would end up in the friendly name)
    assertInvalid("<?xml version=\"1.0\"?><!DOCTYPE root [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
        + good.substring(good.indexOf("<root")).replace("Site A &amp; B", "&x;"), "DOCTYPE");
    // billion laughs
    assertInvalid("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">"
        + "]><r>&b;</r>", "DOCTYPE");
  }

  private static void assertInvalid(String xml, String messagePart) {
    var e = assertThrows(Description.Invalid.class, () -> Description.parse(xml));
    assertTrue(e.getMessage().contains(messagePart), e.getMessage() + " should mention " + messagePart);
  }

  @Test
  void deviceTypesAndUdns() {
    assertEquals("urn:outpost-dev:device:connector:1", DeviceTypes.of(Role.CONNECTOR));
    assertEquals("urn:outpost-dev:device:hub:1", DeviceTypes.of(Role.HUB));
    assertEquals(Role.HUB, DeviceTypes.roleOf("urn:outpost-dev:device:hub:3").orElseThrow());
    assertTrue(DeviceTypes.roleOf("urn:outpost-dev:device:hub:0").isEmpty());
    assertTrue(DeviceTypes.roleOf("urn:outpost-dev:device:hubx:1").isEmpty());
    assertTrue(DeviceTypes.roleOf("urn:schemas-upnp-org:device:hub:1").isEmpty());
    var uuid = UUID.randomUUID();
    assertEquals(uuid, DeviceTypes.udnFor(uuid.toString()), "a UUID uid is its own UDN");
    assertEquals(uuid, DeviceTypes.udnFor(uuid.toString().toUpperCase()));
    assertEquals(DeviceTypes.udnFor("hub-7"), DeviceTypes.udnFor("hub-7"), "stable");
    assertEquals(3, DeviceTypes.udnFor("hub-7").version(), "name-based");
    assertNotEquals(DeviceTypes.udnFor("hub-7"), DeviceTypes.udnFor("hub-8"));
  }

  @Test
  void deviceInfoValidation() {
    assertEquals("a connector must announce its LAN gateway port (1 to 65535), not 0",
        assertThrows(IllegalArgumentException.class, () -> DeviceInfo.connector("c", "n", "1", 0)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> new DeviceInfo(Role.HUB, "h", "n", "1", 4443));
    assertThrows(IllegalArgumentException.class, () -> DeviceInfo.hub("bad uid", "n", "1"));
    assertThrows(IllegalArgumentException.class, () -> DeviceInfo.hub("h", " ", "1"));
    assertThrows(IllegalArgumentException.class, () -> DeviceInfo.hub("h", "a\u0000b", "1"));
    assertThrows(IllegalArgumentException.class, () -> DeviceInfo.hub("h", "x".repeat(201), "1"));
    assertEquals(DeviceInfo.DEFAULT_VERSION, DeviceInfo.hub("h", "n", null).version());
    assertEquals("urn:outpost-dev:device:hub:1", DeviceInfo.hub("h", "Hub \u00e9\u4e2d", "1").deviceType());
  }
}
