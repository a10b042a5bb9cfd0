package dev.outpost.hub.discovery;

import java.lang.annotation.Annotation;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jupnp.UpnpService;
import org.jupnp.UpnpServiceImpl;
import org.jupnp.model.message.IncomingDatagramMessage;
import org.jupnp.model.ValidationException;
import org.jupnp.model.message.UpnpRequest;
import org.jupnp.model.message.UpnpResponse;
import org.jupnp.model.meta.RemoteDevice;
import org.jupnp.model.meta.RemoteDeviceIdentity;
import org.jupnp.model.types.UDN;
import org.jupnp.model.Location;
import org.jupnp.model.message.header.UpnpHeader;
import org.jupnp.model.meta.LocalDevice;
import org.jupnp.protocol.ProtocolCreationException;
import org.jupnp.protocol.ProtocolFactory;
import org.jupnp.protocol.ProtocolFactoryImpl;
import org.jupnp.protocol.ReceivingAsync;
import org.jupnp.protocol.RetrieveRemoteDescriptors;
import org.jupnp.protocol.async.ReceivingNotification;
import org.jupnp.protocol.async.ReceivingSearch;
import org.jupnp.protocol.async.ReceivingSearchResponse;
import org.jupnp.protocol.async.SendingNotificationAlive;
import org.jupnp.registry.Registry;
import org.jupnp.transport.Router;
import org.jupnp.transport.RouterException;
import org.jupnp.transport.RouterImpl;
import org.jupnp.transport.spi.DatagramIO;
import org.jupnp.transport.spi.InitializationException;
import org.jupnp.transport.spi.MulticastReceiver;
import org.jupnp.transport.spi.StreamServer;

/**
 * jUPnP's UPnP service with our protocol factory and router: started without the initial
 * {@code ssdp:all} search (we search for our own device types only), answering M-SEARCH without
 * parking a worker thread per request, and failing loudly when its sockets cannot be opened.
 */
final class NodeUpnpService extends UpnpServiceImpl {
  /** At most this many M-SEARCH answers wait for their random MX delay at once. */
  static final int MAX_PENDING_SEARCH_ANSWERS = 64;

  private static final UpnpServiceImpl.Config NO_INITIAL_SEARCH = new UpnpServiceImpl.Config() {
    @Override
    public boolean initialSearchEnabled() {
      return false;
    }

    @Override
    public Class<? extends Annotation> annotationType() {
      return UpnpServiceImpl.Config.class;
    }
  };

  private final NodeCore core;

  NodeUpnpService(NodeUpnpConfiguration configuration, NodeCore core) {
    super(configuration);
    this.core = core;
  }

  void start() {
    activate(NO_INITIAL_SEARCH);
  }

  void stop() {
    deactivate();
  }

  /**
   * jUPnP shuts its worker pool down with {@code shutdownNow()} before it closes the sockets, which
   * interrupts advertisements in flight (and logs each with a stack trace); the node lets them finish
   * and shuts the pool down itself after the router ({@link NodeUpnpConfiguration#shutdownGracefully}).
   */
  @Override
  protected void shutdownConfiguration() {
  }

  @Override
  protected ProtocolFactory createProtocolFactory() {
    return new Protocols(this, core);
  }

  /** The node listens to the registry from its creation, before any datagram can arrive. */
  @Override
  protected Registry createRegistry(ProtocolFactory protocolFactory) {
    Registry registry = super.createRegistry(protocolFactory);
    registry.addListener(core.registryListener());
    return registry;
  }

  @Override
  protected Router createRouter(ProtocolFactory protocolFactory, Registry registry) {
    return new StrictRouter(getConfiguration(), protocolFactory);
  }

  /** Router that closes what it opened and throws when it cannot open everything. */
  static final class StrictRouter extends RouterImpl {
    StrictRouter(org.jupnp.UpnpServiceConfiguration configuration, ProtocolFactory protocolFactory) {
      super(configuration, protocolFactory);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void handleStartFailure(InitializationException e) throws InitializationException {
      // RouterImpl leaves the sockets it opened so far open and only logs; close them and fail.
      for (Map.Entry<?, StreamServer> s : streamServers.entrySet()) {
        quietly(() -> s.getValue().stop());
      }
      for (Map.Entry<?, MulticastReceiver> r : multicastReceivers.entrySet()) {
        quietly(() -> r.getValue().stop());
      }
      for (Map.Entry<?, DatagramIO> d : datagramIOs.entrySet()) {
        quietly(() -> d.getValue().stop());
      }
      streamServers.clear();
      multicastReceivers.clear();
      datagramIOs.clear();
      throw e;
    }

    private static void quietly(Runnable r) {
      try {
        r.run();
      } catch (RuntimeException ignored) {
        // closing after a failure
      }
    }
  }

  /** Protocol factory: paced search answers, byebyes remembered for the node's "gone" reason. */
  static final class Protocols extends ProtocolFactoryImpl {
    private final NodeCore core;

    Protocols(UpnpService upnpService, NodeCore core) {
      super(upnpService);
      this.core = core;
    }

    /** Drops announcements of the node's own devices, also those just withdrawn whose NOTIFYs loop back. */
    @Override
    @SuppressWarnings("rawtypes")
    public ReceivingAsync createReceivingAsync(IncomingDatagramMessage message) throws ProtocolCreationException {
      String usn = message.getHeaders().getFirstHeader(UpnpHeader.Type.USN.getHttpName());
      if (usn != null && usn.startsWith("uuid:")) {
        int end = usn.indexOf("::");
        String id = end < 0 ? usn.substring(5) : usn.substring(5, end);
        if (core.isOwn(id)) {
          return null;
        }
      }
      return super.createReceivingAsync(message);
    }

    /** Alive bursts stop as soon as the device is withdrawn, so no alive follows its byebye. */
    @Override
    public SendingNotificationAlive createSendingNotificationAlive(LocalDevice localDevice) {
      String id = localDevice.getIdentity().getUdn().getIdentifierString();
      return new SendingNotificationAlive(getUpnpService(), localDevice) {
        @Override
        public void sendMessages(Location descriptorLocation) throws RouterException {
          if (core.isAnnounced(id)) {
            super.sendMessages(descriptorLocation);
          }
        }
      };
    }

    @Override
    @SuppressWarnings("rawtypes")
    protected ReceivingAsync createReceivingSearch(IncomingDatagramMessage<UpnpRequest> incomingRequest) {
      return new PacedSearch(getUpnpService(), incomingRequest, core);
    }

    @Override
    @SuppressWarnings("rawtypes")
    protected ReceivingAsync createReceivingNotification(IncomingDatagramMessage<UpnpRequest> incomingRequest) {
      return new Notification(getUpnpService(), incomingRequest, core);
    }

    @Override
    @SuppressWarnings("rawtypes")
    protected ReceivingAsync createReceivingSearchResponse(IncomingDatagramMessage<UpnpResponse> incomingResponse) {
      return new SearchResponse(getUpnpService(), incomingResponse, core);
    }
  }

  /**
   * jUPnP's M-SEARCH handling sleeps up to MX seconds (up to 120) on a pool thread per request, so a burst
   * of searches starves the pool. Here the answer is scheduled on the node's timer after a random delay
   * within MX (capped at 5 s as UDA 1.1 allows), and at most {@link #MAX_PENDING_SEARCH_ANSWERS} wait.
   */
  static final class PacedSearch extends ReceivingSearch {
    private final NodeCore core;

    PacedSearch(UpnpService upnpService, IncomingDatagramMessage<UpnpRequest> inputMessage, NodeCore core) {
      super(upnpService, inputMessage);
      this.core = core;
    }

    @Override
    protected boolean waitBeforeExecution() {
      if (getUpnpService().getRegistry().getLocalDevices().isEmpty()) {
        return false;
      }
      Integer mx = getInputMessage().getMX();
      int delayMillis = mx == null ? 0 : ThreadLocalRandom.current().nextInt(Math.min(Math.max(mx, 1), 5) * 1000);
      core.answerSearchLater(this::answer, delayMillis, getInputMessage().getSourceAddress());
      return false;
    }

    private void answer() {
      try {
        execute();
      } catch (RouterException | RuntimeException e) {
        core.guard().unexpected("search answer", e);
      }
    }
  }

  /**
   * NOTIFY handling: byebyes of devices the node reported are remembered (so their removal is told as
   * BYEBYE), and an alive of an unknown device starts a per-node {@link Retrieval}.
   */
  static final class Notification extends ReceivingNotification {
    private final NodeCore core;

    Notification(UpnpService upnpService, IncomingDatagramMessage<UpnpRequest> inputMessage, NodeCore core) {
      super(upnpService, inputMessage);
      this.core = core;
    }

    @Override
    protected void execute() throws RouterException {
      UDN udn = getInputMessage().getUDN();
      if (udn == null) {
        return;
      }
      if (getInputMessage().isByeByeMessage()) {
        core.byebyeReceived(udn);
        super.execute();
        return;
      }
      if (!getInputMessage().isAliveMessage()) {
        return;
      }
      retrieveIfNew(getUpnpService(), new RemoteDeviceIdentity(getInputMessage()), core);
    }
  }

  /** Search answers: like jUPnP's, but with a per-node {@link Retrieval}. */
  static final class SearchResponse extends ReceivingSearchResponse {
    private final NodeCore core;

    SearchResponse(UpnpService upnpService, IncomingDatagramMessage<UpnpResponse> inputMessage, NodeCore core) {
      super(upnpService, inputMessage);
      this.core = core;
    }

    @Override
    protected void execute() throws RouterException {
      if (!getInputMessage().isSearchResponseMessage() || getInputMessage().getRootDeviceUDN() == null) {
        return;
      }
      retrieveIfNew(getUpnpService(), new RemoteDeviceIdentity(getInputMessage()), core);
    }
  }

  private static void retrieveIfNew(UpnpService upnp, RemoteDeviceIdentity identity, NodeCore core) {
    if (identity.getDescriptorURL() == null || identity.getMaxAgeSeconds() == null) {
      return;
    }
    RemoteDevice known = upnp.getRegistry().getRemoteDevice(identity.getUdn(), true);
    if (known != null && !identity.getDescriptorURL().toString().equals(
        known.getIdentity().getDescriptorURL().toString())) {
      // jUPnP treats only a new host as a new address; a device restarted without byebye on another port
      // (or path) would keep its old description until max-age. Forget it; the fetch below renews it.
      upnp.getRegistry().removeDevice(known);
    } else if (upnp.getRegistry().update(identity)) {
      return; // known: its expiry was refreshed
    }
    RemoteDevice device;
    try {
      device = new RemoteDevice(identity);
    } catch (ValidationException e) {
      return;
    }
    if (core.isRetrieving(identity.getDescriptorURL().toString())) {
      return;
    }
    upnp.getConfiguration().getAsyncProtocolExecutor().execute(new Retrieval(upnp, device, core));
  }

  /**
   * Fetches and registers a description, at most once at a time per URL and node. jUPnP's
   * {@code RetrieveRemoteDescriptors} dedupes through a static map, so of two nodes in one JVM hearing
   * the same NOTIFY one silently skips the fetch and misses the device until its next announcement.
   */
  static final class Retrieval extends RetrieveRemoteDescriptors {
    private final RemoteDevice device;
    private final NodeCore core;

    Retrieval(UpnpService upnpService, RemoteDevice device, NodeCore core) {
      super(upnpService, device);
      this.device = device;
      this.core = core;
    }

    @Override
    public void run() {
      if (getUpnpService().getRegistry().getRemoteDevice(device.getIdentity().getUdn(), true) != null) {
        return;
      }
      String url = device.getIdentity().getDescriptorURL().toString();
      if (!core.startRetrieving(url)) {
        return;
      }
      try {
        // fetched and checked by our client (which logs failures, rate-limited), bound by jUPnP
        String xml = core.descriptionClient().fetch(device.getIdentity().getDescriptorURL().toURI());
        if (xml != null) {
          describe(xml);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RouterException | RuntimeException | java.net.URISyntaxException e) {
        core.guard().unexpected("description retrieval", e);
      } finally {
        core.doneRetrieving(url);
      }
    }
  }
}
