package dev.outpost.transport;

/**
 * Receives what happens on a {@link Channel}. Calls come one at a time on a dialer thread (never a
 * Vert.x event loop); hand work on to your own context and return quickly. After an open, exactly
 * one of {@link #onClosed} and {@link #onFailure} ends the channel.
 */
public interface ChannelListener {
  void onText(Channel channel, String text);

  /** The channel was closed in an orderly way, by either side. */
  void onClosed(Channel channel, int code, String reason);

  /** The channel broke (connection lost, protocol error, missed pings). */
  void onFailure(Channel channel, Throwable error);
}
