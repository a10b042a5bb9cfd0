package dev.outpost.transport;

import java.util.List;

/**
 * No route answered: every endpoint and port was tried (or the proxy refused the credentials,
 * which no other route would change, or a request failed after its connection was made). The
 * message lists each route tried and why it failed; {@link #attempts()} has the same as a list.
 */
public final class DialException extends RuntimeException {
  private final List<String> attempts;

  public DialException(String message, List<String> attempts, Throwable cause) {
    super(message + (attempts.isEmpty() ? "" : ": " + String.join("; ", attempts)), cause, false, false);
    this.attempts = List.copyOf(attempts);
  }

  /** One line per route tried, {@code "https://host:port → why it failed"}, in the order tried. */
  public List<String> attempts() {
    return attempts;
  }
}
