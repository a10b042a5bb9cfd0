package dev.outpost.hub.discovery;

import dev.outpost.protocol.Role;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jupnp.model.DiscoveryOptions;
import org.jupnp.model.ValidationException;
import org.jupnp.model.message.header.DeviceTypeHeader;
import org.jupnp.model.meta.DeviceDetails;
import org.jupnp.model.meta.DeviceIdentity;
import org.jupnp.model.meta.LocalDevice;
import org.jupnp.model.meta.LocalService;
import org.jupnp.model.meta.ManufacturerDetails;
import org.jupnp.model.meta.ModelDetails;
import org.jupnp.model.meta.RemoteDevice;
import org.jupnp.model.types.DeviceType;
import org.jupnp.model.types.UDN;
import org.jupnp.registry.DefaultRegistryListener;
import org.jupnp.registry.Registry;
import org.jupnp.transport.RouterException;
import org.jupnp.transport.spi.NoNetworkException;

/**
 * One running jUPnP service with its devices, searches and what it found. {@link UpnpNode} handles
 * share it; it stops when the last handle closes.
 */
final class NodeCore {
  /** MX of our searches: answers come within 1 s (UDA's minimum), which keeps discovery well under 5 s. */
  static final int SEARCH_MX = 1;

  private final DiscoveryConfig config;
  private final List<String> interfaceNames;
  private final SsdpGuard guard = new SsdpGuard();
  private final NodeUpnpConfiguration upnpConfig;
  private final NodeUpnpService service;
  private final ScheduledExecutorService timer;
  private final ExecutorService events;
  private final Semaphore pendingAnswers = new Semaphore(NodeUpnpService.MAX_PENDING_SEARCH_ANSWERS);
  private final List<InetSocketAddress> httpAddresses;

  private final Object lock = new Object();
  private final Listener listener = new Listener();
  private final Map<UDN, Found> remote = new LinkedHashMap<>();
  private final Map<UDN, LocalEntry> local = new LinkedHashMap<>();
  private final Set<UDN> byebyes = new HashSet<>();
  /** Identifiers (lower case) of devices announced here, with when they were withdrawn (0 while announced). */
  private final Map<String, Long> own = new java.util.concurrent.ConcurrentHashMap<>();
  /** How long the node still ignores announcements of a device it withdrew (they may be in flight). */
  static final long OWN_GRACE_NANOS = 5_000_000_000L;
  private final List<Watch> watches = new ArrayList<>();
  private ScheduledFuture<?> periodic;
  private boolean stopped;

  private NodeCore(DiscoveryConfig config, List<NetworkInterface> ifaces) {
    this.config = config;
    this.interfaceNames = ifaces.stream().map(NetworkInterface::getName).toList();
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("outpost-upnp-timer"));
    this.events = Executors.newSingleThreadExecutor(daemon("outpost-discovery-events"));
    this.upnpConfig = new NodeUpnpConfiguration(String.join(",", interfaceNames), config.httpPort(), config.ttl(),
        guard);
    this.service = new NodeUpnpService(upnpConfig, this);
    try {
      service.start();
    } catch (RuntimeException e) {
      shutdownQuietly();
      throw new DiscoveryException("cannot start UPnP discovery on " + String.join(", ", interfaceNames) + ": "
          + describe(e), e);
    }
    List<InetSocketAddress> servers = new ArrayList<>();
    try {
      if (!service.getRouter().isEnabled()) {
        throw new DiscoveryException("UPnP discovery could not open its sockets on "
            + String.join(", ", interfaceNames) + " (see the log above)");
      }
      for (var a : service.getRouter().getActiveStreamServers(null)) {
        servers.add(new InetSocketAddress(a.getAddress(), a.getPort()));
      }
    } catch (RouterException | DiscoveryException e) {
      shutdownQuietly();
      throw e instanceof DiscoveryException d ? d : new DiscoveryException("UPnP router: " + e.getMessage(), e);
    }
    if (servers.isEmpty()) {
      shutdownQuietly();
      throw new DiscoveryException("UPnP discovery has no HTTP server for descriptions on "
          + String.join(", ", interfaceNames));
    }
    this.httpAddresses = List.copyOf(servers);
    long every = config.searchInterval().toMillis();
    this.periodic = timer.scheduleWithFixedDelay(this::searchAll, every, every, TimeUnit.MILLISECONDS);
    SsdpGuard.LOG.info("UPnP discovery on {}; descriptions at {}", String.join(", ", interfaceNames),
        httpAddresses.stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort()).toList());
  }

  static NodeCore start(DiscoveryConfig config) {
    return new NodeCore(config, config.resolveInterfaces());
  }

  private static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t && (t instanceof RuntimeException)
        && !(t instanceof NoNetworkException)) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }

  private void shutdownQuietly() {
    try {
      service.stop();
    } catch (RuntimeException ignored) {
      // already failing
    }
    try {
      upnpConfig.shutdownGracefully(500);
    } catch (RuntimeException ignored) {
      // already failing
    }
    timer.shutdownNow();
    events.shutdownNow();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  DiscoveryConfig config() {
    return config;
  }

  List<String> interfaceNames() {
    return interfaceNames;
  }

  List<InetSocketAddress> httpAddresses() {
    return httpAddresses;
  }

  SsdpGuard guard() {
    return guard;
  }

  DescriptionClient descriptionClient() {
    return upnpConfig.descriptionClient();
  }

  DiscoveryStats stats() {
    return guard.stats();
  }

  // --- local devices ---------------------------------------------------------------------------------

  final class LocalEntry implements Announcement {
    private final DeviceInfo info;
    private final LocalDevice device;
    private final Found found;
    private final List<URI> urls;
    private final Consumer<LocalEntry> onClose;
    private boolean closed;

    LocalEntry(DeviceInfo info, LocalDevice device, Found found, List<URI> urls, Consumer<LocalEntry> onClose) {
      this.info = info;
      this.device = device;
      this.found = found;
      this.urls = urls;
      this.onClose = onClose;
    }

    @Override
    public DeviceInfo device() {
      return info;
    }

    @Override
    public String udn() {
      return device.getIdentity().getUdn().toString();
    }

    @Override
    public List<URI> descriptionUrls() {
      return urls;
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      withdraw(this);
      onClose.accept(this);
    }

    @Override
    public String toString() {
      return info.role().wireName() + " " + info.uid() + " (" + udn() + ")";
    }
  }

  LocalEntry announce(DeviceInfo info, Consumer<LocalEntry> onClose) {
    UDN udn = new UDN(DeviceTypes.udnFor(info.uid()));
    DeviceType type = DeviceType.valueOf(info.deviceType());
    DeviceDetails details = new DeviceDetails(info.name(), new ManufacturerDetails(DeviceTypes.MANUFACTURER),
        new ModelDetails(DeviceTypes.modelName(info.role()), "Outpost " + info.role().wireName(), info.version()),
        info.uid(), null);
    LocalDevice device;
    try {
      device = new LocalDevice(new DeviceIdentity(udn, (int) config.maxAge().toSeconds()), type, details,
          (LocalService[]) null);
    } catch (ValidationException e) {
      throw new DiscoveryException("invalid UPnP device for " + info + ": " + e.getErrors(), e);
    }
    List<URI> urls = new ArrayList<>();
    String path = upnpConfig.getNamespace().getDescriptorPathString(device);
    for (InetSocketAddress a : httpAddresses) {
      urls.add(URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + path));
    }
    InetAddress first = httpAddresses.get(0).getAddress();
    Found found = new Found(info.uid(), info.name(), info.role(), info.version(), first.getHostAddress(),
        info.lanPort(), urls.get(0), true);
    LocalEntry entry = new LocalEntry(info, device, found, List.copyOf(urls), onClose);
    synchronized (lock) {
      if (stopped) {
        throw new DiscoveryException("the UPnP node is closed");
      }
      if (local.containsKey(udn)) {
        throw new DiscoveryException(info.role().wireName() + " " + info.uid() + " is already announced here");
      }
      local.put(udn, entry);
      own.put(udn.getIdentifierString().toLowerCase(java.util.Locale.ROOT), 0L);
    }
    upnpConfig.binder().setLanPort(udn, info.lanPort());
    try {
      service.getRegistry().addDevice(device, new DiscoveryOptions(true));
    } catch (RuntimeException e) {
      synchronized (lock) {
        local.remove(udn);
      }
      upnpConfig.binder().setLanPort(udn, 0);
      throw new DiscoveryException("cannot announce " + entry + ": " + e.getMessage(), e);
    }
    synchronized (lock) {
      emitFound(found);
    }
    SsdpGuard.LOG.info("UPnP: announced {} '{}' at {}", info.role().wireName(), info.name(), urls);
    return entry;
  }

  private void withdraw(LocalEntry entry) {
    UDN udn = entry.device.getIdentity().getUdn();
    synchronized (lock) {
      if (local.remove(udn) == null || stopped) {
        return;
      }
      own.put(udn.getIdentifierString().toLowerCase(java.util.Locale.ROOT), System.nanoTime());
      emitGone(entry.found, DiscoveryListener.Gone.BYEBYE);
    }
    Registry registry = service.getRegistry();
    registry.removeDevice(entry.device);
    // removeDevice sends its byebye on a pool thread; send one now too, so it is out when close() returns
    registry.getProtocolFactory().createSendingNotificationByebye(entry.device).run();
    upnpConfig.binder().setLanPort(udn, 0);
    SsdpGuard.LOG.info("UPnP: withdrew {} (byebye sent)", entry);
  }

  // --- searches --------------------------------------------------------------------------------------

  final class Watch implements Search {
    private final Role role;
    private final DiscoveryListener listener;
    private final Consumer<Watch> onClose;
    private volatile boolean closed;

    Watch(Role role, DiscoveryListener listener, Consumer<Watch> onClose) {
      this.role = role;
      this.listener = listener;
      this.onClose = onClose;
    }

    @Override
    public Role role() {
      return role;
    }

    @Override
    public void searchNow() {
      if (!closed) {
        search(role);
      }
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      synchronized (lock) {
        watches.remove(this);
      }
      onClose.accept(this);
    }

    void deliver(Found device, DiscoveryListener.Gone gone) {
      if (events.isShutdown()) {
        return;
      }
      try {
        events.execute(() -> run(device, gone));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // the node is stopping
      }
    }

    private void run(Found device, DiscoveryListener.Gone gone) {
      if (closed) {
        return;
      }
      try {
        if (gone == null) {
          listener.found(device);
        } else {
          listener.gone(device, gone);
        }
      } catch (RuntimeException e) {
        SsdpGuard.LOG.warn("discovery listener failed on {}", device, e);
      }
    }
  }

  Watch watch(Role role, DiscoveryListener listener, Consumer<Watch> onClose) {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(listener, "listener");
    Watch w = new Watch(role, listener, onClose);
    synchronized (lock) {
      if (stopped) {
        throw new DiscoveryException("the UPnP node is closed");
      }
      watches.add(w);
      for (Found f : knownLocked(role)) {
        w.deliver(f, null);
      }
    }
    search(role);
    return w;
  }

  List<Found> known(Role role) {
    synchronized (lock) {
      return knownLocked(role);
    }
  }

  private List<Found> knownLocked(Role role) {
    var result = new ArrayList<Found>();
    for (LocalEntry e : local.values()) {
      if (e.found.role() == role) {
        result.add(e.found);
      }
    }
    for (Found f : remote.values()) {
      if (f.role() == role) {
        result.add(f);
      }
    }
    return result;
  }

  private void search(Role role) {
    try {
      service.getControlPoint().search(new DeviceTypeHeader(DeviceType.valueOf(DeviceTypes.of(role))), SEARCH_MX);
    } catch (RuntimeException e) {
      guard.unexpected("search", e);
    }
  }

  private void searchAll() {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    synchronized (lock) {
      for (Watch w : watches) {
        roles.add(w.role);
      }
    }
    roles.forEach(this::search);
  }

  void answerSearchLater(Runnable answer, int delayMillis, InetAddress source) {
    if (!pendingAnswers.tryAcquire()) {
      guard.searchDropped(source);
      return;
    }
    try {
      timer.schedule(() -> {
        try {
          answer.run();
        } finally {
          pendingAnswers.release();
        }
      }, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      pendingAnswers.release(); // timer shut down
    }
  }

  // --- what the registry tells -----------------------------------------------------------------------

  /** True while a device is announced here (not withdrawn). */
  boolean isAnnounced(String identifier) {
    Long since = own.get(identifier.toLowerCase(java.util.Locale.ROOT));
    return since != null && since == 0L;
  }

  /** True for a device announced here now or withdrawn less than {@link #OWN_GRACE_NANOS} ago. */
  boolean isOwn(String identifier) {
    Long since = own.get(identifier.toLowerCase(java.util.Locale.ROOT));
    if (since == null) {
      return false;
    }
    if (since == 0L || System.nanoTime() - since < OWN_GRACE_NANOS) {
      return true;
    }
    own.remove(identifier.toLowerCase(java.util.Locale.ROOT), since);
    return false;
  }

  private final Set<String> retrieving = java.util.concurrent.ConcurrentHashMap.newKeySet();

  boolean isRetrieving(String url) {
    return retrieving.contains(url);
  }

  boolean startRetrieving(String url) {
    return retrieving.add(url);
  }

  void doneRetrieving(String url) {
    retrieving.remove(url);
  }

  org.jupnp.registry.RegistryListener registryListener() {
    return listener;
  }

  void byebyeReceived(UDN udn) {
    synchronized (lock) {
      if (remote.containsKey(udn)) {
        byebyes.add(udn);
      }
    }
  }

  private final class Listener extends DefaultRegistryListener {
    @Override
    public void remoteDeviceAdded(Registry registry, RemoteDevice device) {
      reconcile(device.getIdentity().getUdn());
    }

    @Override
    public void remoteDeviceUpdated(Registry registry, RemoteDevice device) {
      reconcile(device.getIdentity().getUdn());
    }

    @Override
    public void remoteDeviceRemoved(Registry registry, RemoteDevice device) {
      reconcile(device.getIdentity().getUdn());
    }
  }

  /**
   * Brings what watchers were told in line with the registry for one UDN. The registry calls its
   * listeners from several pool threads, so added and removed may arrive out of order; reading the
   * registry's current state under the lock makes the order not matter.
   */
  private void reconcile(UDN udn) {
    synchronized (lock) {
      if (stopped) {
        return;
      }
      RemoteDevice rd = service.getRegistry().getRemoteDevice(udn, true);
      Found now = rd == null ? null : toFound(rd);
      Found before = remote.get(udn);
      if (Objects.equals(before, now)) {
        if (now == null) {
          byebyes.remove(udn);
        }
        return;
      }
      boolean bye = byebyes.remove(udn);
      if (before != null) {
        remote.remove(udn);
        emitGone(before, bye ? DiscoveryListener.Gone.BYEBYE : DiscoveryListener.Gone.LOST);
      }
      if (now != null) {
        remote.put(udn, now);
        emitFound(now);
      }
    }
  }

  /** The device as we report it, from the description we checked ourselves; null if it is not one of ours. */
  private Found toFound(RemoteDevice rd) {
    if (!rd.isRoot() || rd.getType() == null || DeviceTypes.roleOf(rd.getType().toString()).isEmpty()
        || rd.getIdentity().getDescriptorURL() == null) {
      return null;
    }
    URI url;
    try {
      url = rd.getIdentity().getDescriptorURL().toURI();
    } catch (URISyntaxException e) {
      return null;
    }
    Description d = upnpConfig.descriptionClient().checked(url);
    if (d == null || !d.udn().toString().equalsIgnoreCase(rd.getIdentity().getUdn().getIdentifierString())
        || DeviceTypes.roleOf(rd.getType().toString()).get() != d.role()) {
      return null;
    }
    return new Found(d.uid(), d.name(), d.role(), d.version(), url.getHost(), d.lanPort(), url, false);
  }

  private void emitFound(Found f) {
    for (Watch w : watches) {
      if (w.role == f.role()) {
        w.deliver(f, null);
      }
    }
  }

  private void emitGone(Found f, DiscoveryListener.Gone why) {
    for (Watch w : watches) {
      if (w.role == f.role()) {
        w.deliver(f, why);
      }
    }
  }

  // --- stop ------------------------------------------------------------------------------------------

  /** Byebye for every device still announced, then everything closed. */
  void stop() {
    List<LocalEntry> left;
    synchronized (lock) {
      if (stopped) {
        return;
      }
      left = new ArrayList<>(local.values());
    }
    for (LocalEntry e : left) {
      e.close();
    }
    synchronized (lock) {
      stopped = true;
      watches.clear();
    }
    if (periodic != null) {
      periodic.cancel(false);
    }
    timer.shutdownNow();
    try {
      service.stop();
    } catch (RuntimeException e) {
      SsdpGuard.LOG.warn("UPnP: stopping failed: {}", e.toString());
    }
    upnpConfig.shutdownGracefully(2_000);
    events.shutdown();
    SsdpGuard.LOG.info("UPnP discovery on {} stopped", String.join(", ", interfaceNames));
  }
}
