package dev.outpost.hub.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import org.jupnp.transport.Router;
import org.jupnp.transport.impl.DatagramIOConfigurationImpl;
import org.jupnp.transport.impl.DatagramIOImpl;
import org.jupnp.transport.spi.DatagramProcessor;
import org.jupnp.transport.spi.InitializationException;

/**
 * jUPnP's sending socket (bound to one interface address; sends NOTIFY and M-SEARCH, receives search
 * answers), with the outgoing multicast interface set explicitly to the interface owning that address
 * (never the default route's), the configured TTL, and the same guarded receive loop as
 * {@link GuardedMulticastReceiver}.
 */
final class GuardedDatagramIO extends DatagramIOImpl {
  private final SsdpGuard guard;
  private volatile Subnets subnets;
  private volatile String ifaceName = "?";

  GuardedDatagramIO(DatagramIOConfigurationImpl configuration, SsdpGuard guard) {
    super(configuration);
    this.guard = guard;
  }

  @Override
  public synchronized void init(InetAddress bindAddress, int bindPort, Router router,
      DatagramProcessor datagramProcessor) throws InitializationException {
    super.init(bindAddress, bindPort, router, datagramProcessor);
    try {
      NetworkInterface iface = NetworkInterface.getByInetAddress(bindAddress);
      if (iface == null) {
        throw new InitializationException("no network interface has the address " + bindAddress);
      }
      socket.setNetworkInterface(iface);
      socket.setTimeToLive(getConfiguration().getTimeToLive());
      subnets = Subnets.of(iface);
      ifaceName = iface.getName();
    } catch (IOException e) {
      socket.close();
      throw new InitializationException("cannot send multicast on the interface of " + bindAddress + ": " + e, e);
    }
  }

  @Override
  public void run() {
    guard.receive(socket, subnets, ifaceName, "unicast", (source, clean) ->
        router.received(datagramProcessor.read(localAddress.getAddress(), clean)));
  }
}
