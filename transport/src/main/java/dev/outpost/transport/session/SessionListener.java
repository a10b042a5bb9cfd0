package dev.outpost.transport.session;

/**
 * Told what happens in a session, for the audit and the operator's screen. Called on the session's
 * threads: return quickly; an exception thrown here is logged and otherwise ignored.
 */
public interface SessionListener {
  /** A listener that ignores everything. */
  SessionListener NONE = new SessionListener() {};

  /** A stream was connected to its target (bytes 0, reason null). */
  default void streamOpened(StreamEvent event) {}

  /** A stream was not opened; {@link StreamEvent#reason()} says why (policy, connect error, limit). */
  default void streamRefused(StreamEvent event) {}

  /**
   * An opened stream ended: {@code "closed"} when both sides ended normally, otherwise why it was
   * reset ("reset by the operator end: …", "session ended: …"); with its bytes each way.
   */
  default void streamClosed(StreamEvent event) {}

  /** The session ended, why, and its stream payload bytes each way (as seen from this end). */
  default void sessionClosed(String reason, long bytesSent, long bytesReceived) {}
}
