package dev.outpost.hub.discovery;

/**
 * Told when devices of one role appear and disappear. Calls come one at a time, in order, on the node's
 * discovery thread: keep them short, and from a verticle hop to its context
 * ({@code context.runOnContext(...)}). An exception thrown here is logged and otherwise ignored.
 */
public interface DiscoveryListener {
  /** Why a device is gone. */
  enum Gone {
    /** It said so: SSDP byebye (or it was withdrawn from this node): a clean shutdown. */
    BYEBYE,
    /** It stopped announcing (max-age passed) or moved to another address (a new {@code found} follows). */
    LOST
  }

  /** A device was found: announced, answered a search, or was already known when the watch began. */
  void found(Found device);

  /** A device reported by {@link #found} is gone. */
  default void gone(Found device, Gone why) {
  }
}
