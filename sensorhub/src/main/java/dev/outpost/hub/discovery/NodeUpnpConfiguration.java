package dev.outpost.hub.discovery;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jupnp.DefaultUpnpServiceConfiguration;
import org.jupnp.binding.xml.DeviceDescriptorBinder;
import org.jupnp.transport.impl.DatagramIOConfigurationImpl;
import org.jupnp.transport.impl.MulticastReceiverConfigurationImpl;
import org.jupnp.transport.impl.ServletStreamServerConfigurationImpl;
import org.jupnp.transport.impl.ServletStreamServerImpl;
import org.jupnp.transport.spi.DatagramIO;
import org.jupnp.transport.spi.MulticastReceiver;
import org.jupnp.transport.spi.NetworkAddressFactory;
import org.jupnp.transport.spi.StreamClient;
import org.jupnp.transport.spi.StreamServer;

/**
 * The jUPnP configuration of one node: only the configured interfaces, guarded sockets, our own Jetty
 * container and description client, the hardened binder, daemon threads.
 */
final class NodeUpnpConfiguration extends DefaultUpnpServiceConfiguration {
  private final String interfaces;
  private final int ttl;
  private final SsdpGuard guard;
  private final NodeServletContainer container = new NodeServletContainer();
  private final NodeDescriptorBinder binder = new NodeDescriptorBinder();
  private final DescriptionClient client;

  NodeUpnpConfiguration(String commaSeparatedInterfaces, int httpPort, int ttl, SsdpGuard guard) {
    super(httpPort, 0, true);
    this.interfaces = commaSeparatedInterfaces;
    this.ttl = ttl;
    this.guard = guard;
    this.client = new DescriptionClient(guard);
  }

  NodeDescriptorBinder binder() {
    return binder;
  }

  DescriptionClient descriptionClient() {
    return client;
  }

  /** Lets running tasks finish for a moment, then stops the pool (see NodeUpnpService#shutdownConfiguration). */
  void shutdownGracefully(long millis) {
    ExecutorService pool = getDefaultExecutorService();
    pool.shutdown();
    try {
      if (!pool.awaitTermination(millis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
    client.stop();
  }

  /** jUPnP's maintainer (expiry, re-advertising) sleeps this long between runs; stopping waits for it. */
  @Override
  public int getRegistryMaintenanceIntervalMillis() {
    return 250;
  }

  @Override
  protected NetworkAddressFactory createNetworkAddressFactory(int streamListenPort, int multicastResponsePort) {
    return new InterfaceAddressFactory(streamListenPort, interfaces);
  }

  @Override
  @SuppressWarnings("rawtypes")
  public MulticastReceiver createMulticastReceiver(NetworkAddressFactory factory) {
    return new GuardedMulticastReceiver(new MulticastReceiverConfigurationImpl(factory.getMulticastGroup(),
        factory.getMulticastPort(), SsdpGuard.MAX_DATAGRAM_BYTES), guard);
  }

  @Override
  @SuppressWarnings("rawtypes")
  public DatagramIO createDatagramIO(NetworkAddressFactory factory) {
    return new GuardedDatagramIO(new DatagramIOConfigurationImpl(ttl, SsdpGuard.MAX_DATAGRAM_BYTES), guard);
  }

  @Override
  @SuppressWarnings("rawtypes")
  public StreamServer createStreamServer(NetworkAddressFactory factory) {
    return new ServletStreamServerImpl(new ServletStreamServerConfigurationImpl(container,
        factory.getStreamListenPort())) {
      // jUPnP's async servlet logs every request at INFO (a LAN peer could fill the log); the blocking one
      // logs at TRACE and is plenty for serving a few descriptions
      @Override
      protected javax.servlet.Servlet createAsyncServlet(org.jupnp.transport.Router router) {
        return createBlockingServlet(router);
      }
    };
  }

  @Override
  @SuppressWarnings("rawtypes")
  public StreamClient createStreamClient() {
    return client;
  }

  @Override
  public DeviceDescriptorBinder getDeviceDescriptorBinderUDA10() {
    return binder;
  }

  @Override
  protected ExecutorService createDefaultExecutorService() {
    // jUPnP's pool (16 core threads, 1000 queued), but daemon threads with our name, and overflow logged
    // through a rate-limited log line instead of one warning per rejected task.
    var n = new AtomicInteger();
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "outpost-upnp-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    var rlog = new RateLimitedLog(SsdpGuard.LOG);
    return new JUPnPExecutor(threads, (r, pool) -> {
      if (!pool.isShutdown()) {
        rlog.warn("POOL_FULL", "UPnP: the worker pool is full; a task was dropped");
      }
    });
  }

}
