package dev.outpost.transport.session;

/** The device did not open a stream; {@link #reason()} is the device's answer. The session stays usable. */
public final class StreamRefusedException extends SessionException {
  private final String target;
  private final String reason;

  public StreamRefusedException(String target, String reason) {
    super("the device refused a stream to " + target + ": " + reason);
    this.target = target;
    this.reason = reason;
  }

  /** The {@code host:port} that was asked for. */
  public String target() {
    return target;
  }

  /** The device's reason, e.g. "127.0.0.1:22 is not allowed by this site's policy". */
  public String reason() {
    return reason;
  }
}
