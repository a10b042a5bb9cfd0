package dev.outpost.transport;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTP answer, whatever its status: the dialer only throws when no route answered at all.
 *
 * @param status the HTTP status code
 * @param headers the response headers, names case-insensitive, repeated headers joined by ", "
 * @param body the response body, empty if there was none
 */
public record DialResponse(int status, Map<String, String> headers, byte[] body) {
  public DialResponse {
    var copy = new TreeMap<String, String>(String.CASE_INSENSITIVE_ORDER);
    if (headers != null) {
      copy.putAll(headers);
    }
    headers = Collections.unmodifiableMap(copy);
    body = body == null ? new byte[0] : body;
  }

  /** Whether the status is 2xx. */
  public boolean isSuccess() {
    return status >= 200 && status < 300;
  }

  /** The body as UTF-8 text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "DialResponse[status=" + status + ", headers=" + headers + ", body=" + body.length + " bytes]";
  }
}
