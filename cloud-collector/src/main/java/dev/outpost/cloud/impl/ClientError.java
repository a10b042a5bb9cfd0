package dev.outpost.cloud.impl;

/** A request the client must change before it can succeed (4xx); expected, so stackless. */
public final class ClientError extends CloudException {
  private final long retryAfterSeconds;

  public ClientError(int status, String message) {
    this(status, message, 0);
  }

  private ClientError(int status, String message, long retryAfterSeconds) {
    super(status, message, null, false);
    this.retryAfterSeconds = retryAfterSeconds;
    if (status < 400 || status > 499) {
      throw new IllegalArgumentException("a client error has a 4xx status, not " + status);
    }
  }

  public static ClientError badRequest(String message) {
    return new ClientError(400, message);
  }

  public static ClientError unauthorized(String message) {
    return new ClientError(401, message);
  }

  public static ClientError forbidden(String message) {
    return new ClientError(403, message);
  }

  public static ClientError notFound(String message) {
    return new ClientError(404, message);
  }

  public static ClientError tooLarge(String message) {
    return new ClientError(413, message);
  }

  /** 429 with a {@code Retry-After} header. */
  public static ClientError tooManyRequests(String message, long retryAfterSeconds) {
    return new ClientError(429, message, retryAfterSeconds);
  }

  /** Seconds the client should wait before trying again, or 0. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
