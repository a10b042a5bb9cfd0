package dev.outpost.hub.discovery;

/** Discovery cannot start or cannot do what was asked; the message says why in words for an admin. */
public class DiscoveryException extends RuntimeException {
  public DiscoveryException(String message) {
    super(message);
  }

  public DiscoveryException(String message, Throwable cause) {
    super(message, cause);
  }
}
