package dev.outpost.cloud.impl;

/** A request the client must change before it can succeed (4xx); expected, so stackless. */
public final class ClientError extends CloudException {
  public ClientError(int status, String message) {
    super(status, message, null, false);
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

  public static ClientError tooManyRequests(String message) {
    return new ClientError(429, message);
  }
}
