package dev.outpost.transport.session;

import dev.outpost.crypto.PeerIdentity;
import java.util.Optional;

/**
 * One end of a remote session: an end-to-end TLS 1.3 channel to the other end, inside the relay
 * pipe, that carries many TCP streams. What the operator's and the device's ends have in common.
 * Thread-safe.
 */
public interface Session extends AutoCloseable {
  /** The other end, as its certificate said once every check passed. */
  PeerIdentity peer();

  /** Stream payload bytes this end has sent to the other end, all streams together. */
  long bytesSent();

  /** Stream payload bytes this end has received from the other end, all streams together. */
  long bytesReceived();

  /** Streams open now (requested, connecting or carrying data). */
  int openStreams();

  /** Whether the session still carries streams. */
  default boolean isOpen() {
    return closeReason().isEmpty();
  }

  /**
   * Why the session ended ("closed on request", "idle for 15 min without stream traffic",
   * "the operator end closed the session: …", "protocol error: …"); empty while it is open.
   */
  Optional<String> closeReason();

  /**
   * Ends the session: every stream ends at once (local sockets and targets are closed), the other
   * end is told, the connection to it is closed. Idempotent; never blocks for long.
   */
  @Override
  void close();
}
