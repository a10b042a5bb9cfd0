package dev.outpost.hub.discovery;

import dev.outpost.protocol.Role;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * UPnP on the LAN: announces this process's devices (connector, hubs) and finds the others'.
 *
 * <p>A node runs one jUPnP service on the configured interfaces: a socket on UDP 1900 joined to
 * 239.255.255.250 per interface, a sending socket per interface address (outgoing multicast pinned to
 * that interface, TTL as configured), and a small HTTP server for the device descriptions. One node can
 * announce any number of devices and run any number of searches; a process should have one
 * ({@link #shared(DiscoveryConfig)} hands out references to one node and stops it when the last is
 * closed). Devices announced by a node are also found by searches of the same node (marked
 * {@link Found#local()}), which UPnP itself would not do.
 *
 * <p>Everything announced or searched through a handle ends when the handle is closed: its devices say
 * byebye, its searches stop.
 */
public final class UpnpNode implements AutoCloseable {
  private static final Object SHARED_LOCK = new Object();
  private static NodeCore shared;
  private static int sharedRefs;

  private final NodeCore core;
  private final boolean isShared;
  private final Set<Announcement> announcements = new LinkedHashSet<>();
  private final Set<Search> searches = new LinkedHashSet<>();
  private boolean closed;

  private UpnpNode(NodeCore core, boolean isShared) {
    this.core = core;
    this.isShared = isShared;
  }

  /**
   * Starts a node of its own.
   *
   * @throws DiscoveryException if an interface is missing or down, UDP 1900 or the HTTP port cannot be
   *                            opened, or no interface is usable; the message says which
   */
  public static UpnpNode start(DiscoveryConfig config) {
    return new UpnpNode(NodeCore.start(Objects.requireNonNull(config, "config")), false);
  }

  /**
   * A reference to this process's shared node, started now if none runs. Every reference must be closed;
   * the node stops with the last one. All users must ask with the same configuration.
   *
   * @throws DiscoveryException if the shared node runs with another configuration, or cannot start
   */
  public static UpnpNode shared(DiscoveryConfig config) {
    Objects.requireNonNull(config, "config");
    synchronized (SHARED_LOCK) {
      if (shared == null) {
        shared = NodeCore.start(config);
        sharedRefs = 0;
      } else if (!shared.config().equals(config)) {
        throw new DiscoveryException("the shared UPnP node runs with " + shared.config() + "; asked for " + config);
      }
      sharedRefs++;
      return new UpnpNode(shared, true);
    }
  }

  /** The configuration the node runs with. */
  public DiscoveryConfig config() {
    return core.config();
  }

  /** The interfaces in use. */
  public List<String> interfaces() {
    return core.interfaceNames();
  }

  /** Where the node's HTTP server serves descriptions: one address and concrete port per interface address. */
  public List<InetSocketAddress> descriptionServers() {
    return core.httpAddresses();
  }

  /**
   * Announces a device: NOTIFY ssdp:alive now (and again before max-age runs out), answers to M-SEARCH for
   * its type, {@code upnp:rootdevice}, its UDN and {@code ssdp:all}, and its description over HTTP.
   *
   * @throws DiscoveryException if a device with the same uid is already announced on this node
   */
  public Announcement announce(DeviceInfo device) {
    Objects.requireNonNull(device, "device");
    synchronized (this) {
      requireOpen();
    }
    NodeCore.LocalEntry entry = core.announce(device, e -> {
      synchronized (this) {
        announcements.remove(e);
      }
    });
    synchronized (this) {
      if (closed) {
        entry.close();
        throw new DiscoveryException("this UPnP node handle is closed");
      }
      announcements.add(entry);
    }
    return entry;
  }

  /**
   * Searches for devices of a role: M-SEARCH at once and every {@link DiscoveryConfig#searchInterval()},
   * NOTIFY announcements heard; {@code onFound} is called once for each device found (also those already
   * known), and again if it comes back after being gone.
   */
  public Search search(Role role, Consumer<Found> onFound) {
    Objects.requireNonNull(onFound, "onFound");
    return watch(role, onFound::accept);
  }

  /** Like {@link #search} and also told when a device goes (byebye or lost). */
  public Search watch(Role role, DiscoveryListener listener) {
    synchronized (this) {
      requireOpen();
    }
    NodeCore.Watch w = core.watch(role, listener, x -> {
      synchronized (this) {
        searches.remove(x);
      }
    });
    synchronized (this) {
      if (closed) {
        w.close();
        throw new DiscoveryException("this UPnP node handle is closed");
      }
      searches.add(w);
    }
    return w;
  }

  /** The devices of a role known now (announced here or found and not gone). */
  public List<Found> known(Role role) {
    return core.known(Objects.requireNonNull(role, "role"));
  }

  /** What came in and what was dropped. */
  public DiscoveryStats stats() {
    return core.stats();
  }

  private void requireOpen() {
    if (closed) {
      throw new DiscoveryException("this UPnP node handle is closed");
    }
  }

  /**
   * Withdraws this handle's devices (byebye, sent before this returns), stops its searches, and stops the
   * node if this was its last handle. Idempotent.
   */
  @Override
  public void close() {
    List<Announcement> a;
    List<Search> s;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      a = new ArrayList<>(announcements);
      s = new ArrayList<>(searches);
    }
    s.forEach(Search::close);
    a.forEach(Announcement::close);
    if (isShared) {
      synchronized (SHARED_LOCK) {
        if (--sharedRefs == 0 && shared == core) {
          shared = null;
          core.stop();
        }
      }
    } else {
      core.stop();
    }
  }

  @Override
  public String toString() {
    return "UpnpNode" + core.interfaceNames() + (isShared ? " (shared)" : "");
  }
}
