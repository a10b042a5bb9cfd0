package dev.outpost.transport;

/** An open WebSocket to the cloud (text frames). Safe to use from any thread. */
public interface Channel {
  /**
   * Queues one text frame.
   *
   * @return false if the channel is closing or closed, or its send queue is full
   */
  boolean send(String text);

  /** Starts an orderly close; the listener's {@code onClosed} follows. */
  void close(int code, String reason);
}
