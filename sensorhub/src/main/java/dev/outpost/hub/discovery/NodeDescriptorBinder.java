package dev.outpost.hub.discovery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jupnp.binding.xml.DescriptorBindingException;
import org.jupnp.binding.xml.UDA10DeviceDescriptorBinderImpl;
import org.jupnp.model.Namespace;
import org.jupnp.model.ValidationException;
import org.jupnp.model.meta.Device;
import org.jupnp.model.profile.RemoteClientInfo;
import org.jupnp.model.types.UDN;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * jUPnP's UDA 1.0 description binder with two changes: descriptions from the network are parsed with
 * DOCTYPE forbidden (jUPnP's own parser resolves external entities), and the descriptions of our local
 * devices get a vendor element {@code <outpost:lanPort>} when the device has a LAN port.
 */
@SuppressWarnings("rawtypes")
final class NodeDescriptorBinder extends UDA10DeviceDescriptorBinderImpl {
  private final Map<UDN, Integer> lanPorts = new ConcurrentHashMap<>();

  void setLanPort(UDN udn, int port) {
    if (port > 0) {
      lanPorts.put(udn, port);
    } else {
      lanPorts.remove(udn);
    }
  }

  @Override
  public <D extends Device> D describe(D undescribedDevice, String descriptorXml)
      throws DescriptorBindingException, ValidationException {
    Document dom;
    try {
      dom = Description.parseDom(descriptorXml);
    } catch (Description.Invalid e) {
      throw new DescriptorBindingException("Could not parse device descriptor: " + e.getMessage(), e);
    }
    return describe(undescribedDevice, dom);
  }

  @Override
  protected void generateDevice(Namespace namespace, Device deviceModel, Document descriptor, Element rootElement,
      RemoteClientInfo info) {
    super.generateDevice(namespace, deviceModel, descriptor, rootElement, info);
    Integer port = lanPorts.get(deviceModel.getIdentity().getUdn());
    if (port == null) {
      return;
    }
    Element device = null;
    for (Node n = rootElement.getLastChild(); n != null; n = n.getPreviousSibling()) {
      if (n instanceof Element e && "device".equals(e.getLocalName() != null ? e.getLocalName() : e.getNodeName())) {
        device = e;
        break;
      }
    }
    if (device == null) {
      return;
    }
    Element lanPort = descriptor.createElementNS(DeviceTypes.VENDOR_NAMESPACE,
        DeviceTypes.VENDOR_PREFIX + ":" + DeviceTypes.LAN_PORT_ELEMENT);
    lanPort.setTextContent(Integer.toString(port));
    device.appendChild(lanPort);
  }
}
