package dev.outpost.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * Messages between a relay and the access server: one WebSocket that the relay keeps open to the
 * cloud ({@code wss://cloud/relay/v1/channel}, the relay's certificate), one JSON text frame per
 * message. The relay registers and reports its load; the access server tells it which sessions to
 * expect and which to end; the relay reports each ended session for the audit. The access server
 * sends the relay its current certificate, so a renewed one reaches it without a restart.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RelayMessage.Register.class, name = "register"),
    @JsonSubTypes.Type(value = RelayMessage.Load.class, name = "load"),
    @JsonSubTypes.Type(value = RelayMessage.Expect.class, name = "expect"),
    @JsonSubTypes.Type(value = RelayMessage.Expected.class, name = "expected"),
    @JsonSubTypes.Type(value = RelayMessage.End.class, name = "end"),
    @JsonSubTypes.Type(value = RelayMessage.Ended.class, name = "ended"),
    @JsonSubTypes.Type(value = RelayMessage.Certificate.class, name = "certificate"),
    @JsonSubTypes.Type(value = RelayMessage.Refused.class, name = "refused"),
})
public sealed interface RelayMessage {
  /**
   * Relay → cloud, first message: its name, region, where the ends dial it, how many sessions it
   * takes, and the {@link RelayWire} version it speaks (1 when missing: relays from before the
   * field). The access server puts only relays of {@link RelayWire#VERSION} in the pool.
   */
  record Register(int v, String name, String region, List<String> endpoints, List<Integer> ports, int capacity,
                  int lineVersion) implements RelayMessage {
    public Register {
      lineVersion = lineVersion == 0 ? 1 : lineVersion;
      Wire.require(v == Wire.VERSION, "unsupported wire version " + v + ", this side speaks " + Wire.VERSION);
      Wire.requireId(name, "relay name");
      Wire.require(endpoints != null && !endpoints.isEmpty() && endpoints.size() <= 16, "1 to 16 endpoints");
      Wire.require(ports != null && !ports.isEmpty() && ports.size() <= 16, "1 to 16 ports");
      Wire.require(capacity > 0, "capacity must be positive");
      region = region == null ? "" : region;
      endpoints = List.copyOf(endpoints);
      ports = List.copyOf(ports);
    }
  }

  /** Relay → cloud, every few seconds: paired sessions now, and bytes per second over the last seconds. */
  record Load(int sessions, int capacity, long bytesPerSecond) implements RelayMessage {
  }

  /**
   * Cloud → relay: pair the two ends of this session. Only the SHA-256 of the one-time token
   * travels here; the ends hold the token. Each end must present the key with its pin.
   */
  record Expect(String sessionId, String tokenSha256, String operatorPin, String devicePin, long expiresAtMs,
                long bytesPerSecond) implements RelayMessage {
    public Expect {
      Wire.requireId(sessionId, "session id");
      Wire.require(tokenSha256 != null && tokenSha256.matches("[0-9a-f]{64}"), "tokenSha256 is 64 hex digits");
      Wire.require(operatorPin != null && devicePin != null, "both pins are required");
    }
  }

  /**
   * Relay → cloud, the answer to {@link Expect}: the relay holds the ticket ({@code error} null) and
   * an end that joins now is paired, or it cannot take the session and says why. The access server
   * gives the ends the token only after this answer.
   */
  record Expected(String sessionId, String error) implements RelayMessage {
    public Expected {
      Wire.requireId(sessionId, "session id");
    }
  }

  /** Cloud → relay: close both ends of this session now. */
  record End(String sessionId, String reason) implements RelayMessage {
    public End {
      Wire.requireId(sessionId, "session id");
    }
  }

  /** Relay → cloud: a session ended; for the audit. */
  record Ended(String sessionId, long startedAtMs, long endedAtMs, long bytesOperatorToDevice, long bytesDeviceToOperator,
               String reason) implements RelayMessage {
    public Ended {
      Wire.requireId(sessionId, "session id");
    }
  }

  /**
   * Cloud → relay: the relay's current certificate, sent when the relay registers and whenever the
   * cloud renews it. The relay installs it if it is for its own key, from its CA, and newer than the
   * one it serves, and serves it to new connections at once.
   */
  record Certificate(Enrolment.Answer answer) implements RelayMessage {
    public Certificate {
      Wire.require(answer != null && answer.certificate() != null, "a certificate is required");
    }
  }

  /**
   * Relay → cloud: a connection the relay refused, for the audit: a bad, reused or foreign token,
   * no or a failed TLS handshake, garbage instead of a line, an end whose partner never came.
   *
   * @param sessionId  the session it tried to join, when the relay knows it; else null
   * @param address    the peer's IP address
   * @param reason     what the relay answered or why it closed
   * @param atMs       when
   * @param suppressed refusals the relay did not report since the last one (it reports at a bounded rate)
   */
  record Refused(String sessionId, String address, String reason, long atMs, int suppressed) implements RelayMessage {
    public Refused {
      Wire.require(reason != null && !reason.isBlank(), "a reason is required");
      Wire.require(suppressed >= 0, "suppressed must not be negative");
    }
  }
}
