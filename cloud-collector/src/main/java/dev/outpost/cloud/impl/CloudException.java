package dev.outpost.cloud.impl;

/**
 * The one failure type of the cloud collector: carries the HTTP status it answers with.
 * {@link ClientError}s are the client's fault and stackless; {@link ServerError}s are ours.
 */
public abstract sealed class CloudException extends RuntimeException permits ClientError, ServerError, Unavailable {
  private final int status;

  CloudException(int status, String message, Throwable cause, boolean stackTrace) {
    super(message, cause, false, stackTrace);
    this.status = status;
  }

  /** The HTTP status of the answer. */
  public int status() {
    return status;
  }
}
