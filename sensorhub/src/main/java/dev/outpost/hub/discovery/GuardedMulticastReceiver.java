package dev.outpost.hub.discovery;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import org.jupnp.transport.Router;
import org.jupnp.transport.impl.MulticastReceiverConfigurationImpl;
import org.jupnp.transport.impl.MulticastReceiverImpl;
import org.jupnp.transport.spi.DatagramProcessor;
import org.jupnp.transport.spi.InitializationException;
import org.jupnp.transport.spi.NetworkAddressFactory;

/**
 * jUPnP's multicast receiver (a socket on UDP 1900 that joined 239.255.255.250 on one interface) with a
 * receive loop that never dies: each datagram is checked by the {@link SsdpGuard} first, datagrams from
 * outside the interface's subnets are dropped (Linux hands a wildcard-bound socket the group's traffic
 * from every interface), and any exception drops one datagram instead of ending the thread.
 */
final class GuardedMulticastReceiver extends MulticastReceiverImpl {
  static final int RECEIVE_BUFFER_BYTES = 512 * 1024;

  private final SsdpGuard guard;
  private volatile Subnets subnets;

  GuardedMulticastReceiver(MulticastReceiverConfigurationImpl configuration, SsdpGuard guard) {
    super(configuration);
    this.guard = guard;
  }

  /**
   * Like jUPnP's, but the socket is bound to the group address (239.255.255.250:1900) where the OS allows
   * it (Linux does), so it receives only datagrams sent to the group, not unicast to port 1900 on every
   * interface of the machine; elsewhere it falls back to jUPnP's wildcard bind.
   */
  @Override
  public synchronized void init(NetworkInterface networkInterface, Router router,
      NetworkAddressFactory networkAddressFactory, DatagramProcessor datagramProcessor) throws InitializationException {
    this.router = router;
    this.networkAddressFactory = networkAddressFactory;
    this.datagramProcessor = datagramProcessor;
    this.multicastInterface = networkInterface;
    this.multicastAddress = new InetSocketAddress(configuration.getGroup(), configuration.getPort());
    try {
      socket = bind(multicastAddress);
      socket.setReceiveBufferSize(RECEIVE_BUFFER_BYTES); // jUPnP's 32 KiB holds a few dozen datagrams
      socket.joinGroup(multicastAddress, networkInterface);
    } catch (IOException e) {
      if (socket != null) {
        socket.close();
      }
      throw new InitializationException("cannot receive SSDP on " + networkInterface.getName() + " (UDP "
          + configuration.getPort() + "): " + e.getMessage(), e);
    }
    subnets = Subnets.of(networkInterface);
  }

  private static MulticastSocket bind(InetSocketAddress group) throws IOException {
    MulticastSocket s = new MulticastSocket(null);
    s.setReuseAddress(true);
    try {
      s.bind(group);
      return s;
    } catch (IOException e) {
      s.close();
    }
    s = new MulticastSocket(null);
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(group.getPort()));
    return s;
  }

  @Override
  public void run() {
    guard.receive(socket, subnets, multicastInterface.getName(), "multicast", (source, clean) ->
        router.received(datagramProcessor.read(networkAddressFactory.getLocalAddress(multicastInterface, false, source), clean)));
  }
}
