package dev.outpost.hub.discovery;

import dev.outpost.protocol.Role;
import dev.outpost.protocol.Wire;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * An Outpost device description as fetched from a peer, checked: a UPnP device description
 * ({@code urn:schemas-upnp-org:device-1-0}) of one root device of an Outpost device type, whose UDN is the
 * one derived from its serial number (the machine uid), and which names a LAN port if it is a connector.
 *
 * @param udn     the device UUID
 * @param uid     the machine uid (serial number)
 * @param name    friendly name
 * @param role    from the device type
 * @param version model number, may be empty
 * @param lanPort the connector's LAN gateway port; 0 for a hub
 */
record Description(UUID udn, String uid, String name, Role role, String version, int lanPort) {
  static final String UPNP_DEVICE_NS = "urn:schemas-upnp-org:device-1-0";
  /** Longer descriptions are refused (ours are under 1 KiB). */
  static final int MAX_CHARS = 64 * 1024;

  /** Thrown for anything that makes a description unusable; the message says what. */
  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message);
    }

    Invalid(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Parses and checks a description. */
  static Description parse(String xml) throws Invalid {
    Document doc = parseDom(xml);
    Element root = doc.getDocumentElement();
    if (!UPNP_DEVICE_NS.equals(root.getNamespaceURI()) || !"root".equals(root.getLocalName())) {
      throw new Invalid("the document element is not <root xmlns=\"" + UPNP_DEVICE_NS + "\">");
    }
    List<Element> devices = children(root, UPNP_DEVICE_NS, "device");
    if (devices.size() != 1) {
      throw new Invalid("expected one <device>, found " + devices.size());
    }
    Element device = devices.get(0);
    String type = text(device, "deviceType", true);
    Role role = DeviceTypes.roleOf(type).orElseThrow(() -> new Invalid("deviceType '" + type
        + "' is not an Outpost device type"));
    String udnText = text(device, "UDN", true);
    if (!udnText.startsWith("uuid:") || !DeviceTypes.isUuid(udnText.substring(5))) {
      throw new Invalid("UDN '" + udnText + "' is not uuid:UUID");
    }
    UUID udn = UUID.fromString(udnText.substring(5));
    String uid = text(device, "serialNumber", true);
    if (!Wire.isValidId(uid)) {
      throw new Invalid("serialNumber is not a machine uid");
    }
    if (!DeviceTypes.udnFor(uid).equals(udn)) {
      throw new Invalid("UDN " + udnText + " does not belong to serial number " + uid);
    }
    String name = text(device, "friendlyName", true);
    if (name.length() > 200 || DeviceInfo.hasControl(name)) {
      throw new Invalid("friendlyName longer than 200 characters or with control characters");
    }
    String version = text(device, "modelNumber", false);
    if (version.length() > 64 || DeviceInfo.hasControl(version)) {
      throw new Invalid("modelNumber longer than 64 characters or with control characters");
    }
    int port = 0;
    List<Element> ports = children(device, DeviceTypes.VENDOR_NAMESPACE, DeviceTypes.LAN_PORT_ELEMENT);
    if (ports.size() > 1) {
      throw new Invalid("more than one " + DeviceTypes.LAN_PORT_ELEMENT);
    }
    if (role == Role.CONNECTOR) {
      if (ports.isEmpty()) {
        throw new Invalid("a connector description without its " + DeviceTypes.LAN_PORT_ELEMENT);
      }
      String p = ports.get(0).getTextContent().strip();
      if (!p.matches("[0-9]{1,5}") || Integer.parseInt(p) < 1 || Integer.parseInt(p) > 65_535) {
        throw new Invalid(DeviceTypes.LAN_PORT_ELEMENT + " '" + p + "' is not a port");
      }
      port = Integer.parseInt(p);
    }
    return new Description(udn, uid, name, role, version, port);
  }

  /**
   * Parses XML without DOCTYPE (so without entities, external or not), with the JDK's secure-processing
   * limits, namespace-aware, errors thrown and never printed.
   */
  static Document parseDom(String xml) throws Invalid {
    if (xml == null || xml.isBlank()) {
      throw new Invalid("empty");
    }
    if (xml.length() > MAX_CHARS) {
      throw new Invalid("longer than " + MAX_CHARS + " characters");
    }
    try {
      DocumentBuilder builder = hardenedFactory().newDocumentBuilder();
      builder.setErrorHandler(new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
          throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
          throw e;
        }
      });
      builder.setEntityResolver((publicId, systemId) -> {
        throw new SAXException("external entities are not allowed");
      });
      return builder.parse(new InputSource(new StringReader(xml.strip())));
    } catch (SAXException e) {
      throw new Invalid("not well-formed XML: " + e.getMessage(), e);
    } catch (ParserConfigurationException | java.io.IOException e) {
      throw new Invalid("cannot parse: " + e, e);
    }
  }

  static DocumentBuilderFactory hardenedFactory() throws ParserConfigurationException {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
    factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    factory.setXIncludeAware(false);
    factory.setExpandEntityReferences(false);
    return factory;
  }

  private static String text(Element parent, String name, boolean required) throws Invalid {
    List<Element> found = children(parent, UPNP_DEVICE_NS, name);
    if (found.size() > 1) {
      throw new Invalid("<" + name + "> given " + found.size() + " times");
    }
    String value = found.isEmpty() ? "" : found.get(0).getTextContent().strip();
    if (required && value.isEmpty()) {
      throw new Invalid("no <" + name + ">");
    }
    return value;
  }

  private static List<Element> children(Element parent, String ns, String localName) {
    var result = new ArrayList<Element>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && ns.equals(e.getNamespaceURI()) && localName.equals(e.getLocalName())) {
        result.add(e);
      }
    }
    return result;
  }
}
