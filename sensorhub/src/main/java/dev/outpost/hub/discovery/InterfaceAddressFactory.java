package dev.outpost.hub.discovery;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import org.jupnp.transport.impl.NetworkAddressFactoryImpl;
import org.jupnp.transport.spi.InitializationException;

/**
 * jUPnP's address factory limited to exactly the configured interfaces and their IPv4 addresses.
 * jUPnP's own rejects loopback interfaces and addresses before it looks at its interface list, so
 * {@code lo} could never be used; here the configured list is all that counts (the names reach the
 * superclass through its constructor, because it inspects the interfaces before a subclass's fields
 * are set).
 */
final class InterfaceAddressFactory extends NetworkAddressFactoryImpl {
  InterfaceAddressFactory(int streamListenPort, String commaSeparatedInterfaces) throws InitializationException {
    super(streamListenPort, 0, commaSeparatedInterfaces);
  }

  @Override
  protected boolean isUsableNetworkInterface(NetworkInterface iface) throws Exception {
    return useInterfaces.contains(iface.getName()) && iface.isUp() && !getInetAddresses(iface).isEmpty();
  }

  @Override
  protected boolean isUsableAddress(NetworkInterface networkInterface, InetAddress address) {
    return address instanceof Inet4Address;
  }

  @Override
  public int getMulticastResponsePort() {
    return 0; // ephemeral: search answers come back to the socket that sent the M-SEARCH
  }
}
