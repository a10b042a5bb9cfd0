package dev.outpost.cloud.impl;

/** Something failed on our side (5xx); logged with its stack trace, answered without details. */
public final class ServerError extends CloudException {
  public ServerError(String message, Throwable cause) {
    super(500, message, cause, true);
  }
}
