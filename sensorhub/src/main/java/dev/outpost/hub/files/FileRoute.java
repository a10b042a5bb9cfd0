package dev.outpost.hub.files;

import dev.outpost.transport.DialResponse;
import dev.outpost.transport.Dialer;
import java.util.Map;

/**
 * How a machine reaches the cloud's signed file URLs: a connector (and a hub in fallback) through
 * its own {@link Dialer}, a hub through its connector's gateway. Blocking; call it from a worker.
 */
@FunctionalInterface
public interface FileRoute {
  /**
   * Sends one request to a signed URL.
   *
   * @param method GET to fetch, PUT to upload
   * @param url    the signed path and query, {@code /files/v1/ID?…}
   * @param body   the bytes to upload, or null
   * @throws Exception when no answer came
   */
  DialResponse send(String method, String url, byte[] body) throws Exception;

  /** The route through a dialer to the cloud. */
  static FileRoute through(Dialer dialer) {
    return (method, url, body) -> dialer.send(method, url, body == null ? null : "application/octet-stream", body, Map.of());
  }
}
