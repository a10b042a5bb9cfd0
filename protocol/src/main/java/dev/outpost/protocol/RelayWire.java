package dev.outpost.protocol;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The relay's wire lines, for the relay, the ends that dial it, and tests. After the TLS handshake an end
 * sends one request line; the relay answers with lines until the pair is made. The relay's TLS
 * ends with the record that carries {@code PAIRED} (no close_notify): from the next byte on, both
 * connections carry the two ends' own end-to-end TLS records, which the relay passes on unread.
 * So an end sends nothing after its JOIN until it has read PAIRED, and decrypts no record past it.
 * Every line is ASCII and ends with a single {@code "\n"} (no CR); the constants here are the
 * text without it.
 *
 * <pre>
 * → OUTPOST-RELAY 2 PING          ← PONG &lt;paired sessions&gt; &lt;max sessions&gt;   (more PINGs may follow)
 * → OUTPOST-RELAY 2 JOIN &lt;token&gt;  ← WAIT, later PAIRED; then, outside the relay's TLS, the ends' bytes both ways
 *                                 ← or one ERR line, then the relay closes the connection
 * </pre>
 *
 * A request line is at most {@value #MAX_LINE_BYTES} bytes with its newline, sent within the
 * relay's handshake timeout.
 */
public final class RelayWire {
  /**
   * The version of these lines. 2: the relay's TLS ends at {@code PAIRED}, and the relay confirms
   * each ticket to the access server ({@link RelayMessage.Expected}). Relays register theirs.
   */
  public static final int VERSION = 2;
  /** The protocol name and version every request starts with. */
  public static final String PREFIX = "OUTPOST-RELAY " + VERSION + " ";
  /** What every version's request lines start with. */
  public static final String PROTOCOL = "OUTPOST-RELAY ";
  /** The longest line either way, newline included. */
  public static final int MAX_LINE_BYTES = 512;
  /** The longest token: what fits in a JOIN line. */
  public static final int MAX_TOKEN_LENGTH = MAX_LINE_BYTES - PREFIX.length() - "JOIN \n".length();

  /** Asks for {@code PONG <sessions> <capacity>}: latency over the real port and TLS, and the load. */
  public static final String PING = PREFIX + "PING";
  /** The token was accepted; the other end has not arrived yet. */
  public static final String WAIT = "WAIT";
  /** Both ends are here: the last byte of the relay's TLS; from the next byte on, the connection carries the other end's bytes. */
  public static final String PAIRED = "PAIRED";
  /** Starts the answer to {@link #PING}. */
  public static final String PONG = "PONG";

  /** No session is expected with this token. */
  public static final String ERR_UNKNOWN_SESSION = "ERR unknown session";
  /** The connection's client certificate is not one of the two bound to the session (or there is none). */
  public static final String ERR_NOT_BOUND = "ERR not bound to this session";
  /** This end of the session has joined already, or the session was paired (its token is spent). */
  public static final String ERR_ALREADY_JOINED = "ERR already joined";
  /** The session can no longer be joined (ticket expired, timed out or ended). */
  public static final String ERR_EXPIRED = "ERR expired";
  /** Not a request line of this protocol: garbage, too long. */
  public static final String ERR_BAD_REQUEST = "ERR bad request";
  /** A request line of another version of this protocol (an end older or newer than the relay). */
  public static final String ERR_VERSION = "ERR this relay speaks OUTPOST-RELAY " + VERSION;
  /** The relay has its maximum of sessions. */
  public static final String ERR_BUSY = "ERR busy";
  /** The other end did not arrive within the pair timeout, or the request line not within the handshake timeout. */
  public static final String ERR_TIMEOUT = "ERR timeout";
  /** The session was ended (by the access server, or the relay stops) before the other end arrived. */
  public static final String ERR_ENDED = "ERR ended";

  private static final SecureRandom RANDOM = new SecureRandom();

  private RelayWire() {}

  /** The JOIN request for a token (without the newline). */
  public static String join(String token) {
    if (!isToken(token)) {
      throw new IllegalArgumentException("a token is 1 to " + MAX_TOKEN_LENGTH
          + " visible ASCII characters without spaces");
    }
    return PREFIX + "JOIN " + token;
  }

  /** The answer to a PING (without the newline). */
  public static String pong(int sessions, int capacity) {
    return PONG + " " + sessions + " " + capacity;
  }

  /** A fresh one-time token: 32 random bytes, unpadded base64url (43 characters). */
  public static String newToken() {
    var bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Whether the text can be a token: 1 to {@link #MAX_TOKEN_LENGTH} of ASCII {@code !} to {@code ~}. */
  public static boolean isToken(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      return false;
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < '!' || c > '~') {
        return false;
      }
    }
    return true;
  }
}
