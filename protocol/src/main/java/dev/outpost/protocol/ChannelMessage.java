package dev.outpost.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * Messages on the command channel: one long-lived WebSocket that a connector keeps open to the
 * cloud ({@code wss://cloud/device/v1/channel}), one JSON text frame per message. Later versions
 * carry revocations, session requests and file tasks ({@link File}) on the same channel.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ChannelMessage.Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = ChannelMessage.MachinesSeen.class, name = "machines-seen"),
    @JsonSubTypes.Type(value = ChannelMessage.Configure.class, name = "configure"),
    @JsonSubTypes.Type(value = ChannelMessage.EnrolHub.class, name = "enrol-hub"),
    @JsonSubTypes.Type(value = ChannelMessage.HubEnrolment.class, name = "hub-enrolment"),
    @JsonSubTypes.Type(value = ChannelMessage.Revoked.class, name = "revoked"),
    @JsonSubTypes.Type(value = ChannelMessage.MachineLeft.class, name = "machine-left"),
    @JsonSubTypes.Type(value = ChannelMessage.MoveHub.class, name = "move-hub"),
    @JsonSubTypes.Type(value = ChannelMessage.SessionOffer.class, name = "session-offer"),
    @JsonSubTypes.Type(value = ChannelMessage.SessionLatency.class, name = "session-latency"),
    @JsonSubTypes.Type(value = ChannelMessage.SessionStart.class, name = "session-start"),
    @JsonSubTypes.Type(value = ChannelMessage.SessionEnd.class, name = "session-end"),
    @JsonSubTypes.Type(value = ChannelMessage.SessionEnded.class, name = "session-ended"),
    @JsonSubTypes.Type(value = ChannelMessage.SessionStreamRefused.class, name = "session-stream-refused"),
    @JsonSubTypes.Type(value = ChannelMessage.SupportState.class, name = "support-state"),
    @JsonSubTypes.Type(value = ChannelMessage.File.class, name = "file"),
    @JsonSubTypes.Type(value = ChannelMessage.FileDone.class, name = "file-done"),
})
public sealed interface ChannelMessage {

  /**
   * Connector → cloud, first message: who the connector is, and the hubs it knows. The cloud
   * answers with a {@link Configure} for the connector and for each of these hubs.
   */
  record Hello(int v, MachineRef connector, List<MachineRef> hubs) implements ChannelMessage {
    public Hello {
      Wire.require(v == Wire.VERSION, "unsupported wire version " + v + ", this side speaks " + Wire.VERSION);
      Wire.require(connector != null && connector.role() == Role.CONNECTOR, "connector is required");
      hubs = hubs == null ? List.of() : List.copyOf(hubs);
    }
  }

  /** Connector → cloud: hubs that connected to it since; the cloud answers with their configuration. */
  record MachinesSeen(List<MachineRef> machines) implements ChannelMessage {
    public MachinesSeen {
      machines = machines == null ? List.of() : List.copyOf(machines);
    }
  }

  /**
   * Connector → cloud: a hub on its LAN asks to be enrolled (with the site's hub token, or without
   * one to wait for an admin). The cloud answers with a {@link HubEnrolment}, now and whenever the
   * hub's state changes.
   *
   * @param address where the hub connected from, as the connector saw it
   */
  record EnrolHub(Enrolment.Request request, String address) implements ChannelMessage {
    public EnrolHub {
      Wire.require(request != null, "request is required");
      Wire.require(request.role() == Role.HUB, "only hubs enrol through a connector");
    }
  }

  /**
   * Cloud → connector: where a hub's enrolment stands (with its certificate once approved), or why
   * its request was refused (a bad signing request, an expired token, …).
   *
   * @param uid     the hub's uid
   * @param answer  its state, or null when refused
   * @param refused the reason of a refusal, or null
   */
  record HubEnrolment(String uid, Enrolment.Answer answer, String refused) implements ChannelMessage {
    public HubEnrolment {
      Wire.requireUid(uid, "uid");
      Wire.require((answer == null) != (refused == null), "either an answer or a refusal");
    }
  }

  /** Cloud → connector: a machine of the organisation was revoked; close its links and refuse it from now on. */
  record Revoked(String uid) implements ChannelMessage {
    public Revoked {
      Wire.requireUid(uid, "uid");
    }
  }

  /**
   * Connector → cloud: a machine shut down cleanly (a hub said goodbye on its link or sent an SSDP
   * byebye, or the connector itself is stopping), so the cloud shows "shut down", not "contact lost".
   */
  record MachineLeft(String uid, String reason) implements ChannelMessage {
    public MachineLeft {
      Wire.requireUid(uid, "uid");
      reason = reason == null ? "shut down" : reason.length() > 200 ? reason.substring(0, 200) : reason;
    }
  }

  /** Cloud → connector: an admin moved one of its hubs to another connector of the organisation. */
  record MoveHub(String hub, String connector) implements ChannelMessage {
    public MoveHub {
      Wire.requireUid(hub, "hub");
      Wire.requireUid(connector, "connector");
    }
  }

  /** Cloud → connector: the configuration of the connector itself or of one of its hubs. */
  record Configure(MachineConfig config) implements ChannelMessage {
    public Configure {
      Wire.require(config != null, "config is required");
    }
  }

  /**
   * Cloud → connector: an operator asks for a remote session to {@code target} through this
   * connector. The connector checks its site policy (and, for a vendor's support user, whether
   * support access is on), measures its latency to each relay and answers {@link SessionLatency}.
   *
   * @param id          the session's id
   * @param operator    the operator's user name, for the connector's log
   * @param operatorPin the pin of the operator's session key: the only key the connector accepts
   *                    in the end-to-end handshake
   * @param target      {@code host:port} the operator wants to reach
   * @param support     true when the operator is a vendor's support user
   * @param relays      the relay pool to measure
   */
  record SessionOffer(String id, String operator, String operatorPin, String target, boolean support,
                      List<RelayInfo> relays) implements ChannelMessage {
    public SessionOffer {
      Wire.requireId(id, "session id");
      Wire.require(operatorPin != null && !operatorPin.isBlank(), "operatorPin is required");
      Wire.require(target != null && !target.isBlank() && target.length() <= 300, "target is required");
      relays = relays == null ? List.of() : List.copyOf(relays);
    }
  }

  /**
   * Connector → cloud: its latency to each relay of a {@link SessionOffer} (microseconds; a relay
   * it could not reach is left out), or why it refuses the session.
   */
  record SessionLatency(String id, java.util.Map<String, Long> latencyMicros, String refused) implements ChannelMessage {
    public SessionLatency {
      Wire.requireId(id, "session id");
      latencyMicros = latencyMicros == null ? java.util.Map.of() : java.util.Map.copyOf(latencyMicros);
    }
  }

  /** Cloud → connector: dial this relay and join the session with this one-time token. */
  record SessionStart(String id, RelayInfo relay, String token) implements ChannelMessage {
    public SessionStart {
      Wire.requireId(id, "session id");
      Wire.require(relay != null, "relay is required");
      Wire.require(token != null && !token.isBlank(), "token is required");
    }
  }

  /** Cloud → connector: end this session now (the operator closed it, a user or machine was revoked). */
  record SessionEnd(String id, String reason) implements ChannelMessage {
    public SessionEnd {
      Wire.requireId(id, "session id");
    }
  }

  /** Connector → cloud: a session ended on the device side, with its bytes each way, for the audit. */
  record SessionEnded(String id, long bytesToDevice, long bytesFromDevice, String reason) implements ChannelMessage {
    public SessionEnded {
      Wire.requireId(id, "session id");
    }
  }

  /**
   * Connector → cloud: inside a running session, the device end refused a stream (a target outside
   * the site policy, one that does not answer), for the session's audit.
   */
  record SessionStreamRefused(String id, String target, String reason) implements ChannelMessage {
    public SessionStreamRefused {
      Wire.requireId(id, "session id");
      Wire.require(target != null && reason != null, "target and reason are required");
    }
  }

  /** Connector → cloud: whether the site admin has support access on (sent at hello and on each change). */
  record SupportState(boolean on, boolean whenPossible) implements ChannelMessage {
  }

  /** Cloud → connector: a file task for the connector itself or one of its hubs (which it passes on). */
  record File(FileTask task) implements ChannelMessage {
    public File {
      Wire.require(task != null, "task is required");
    }
  }

  /** Connector → cloud: how a file task ended on the connector or one of its hubs. */
  record FileDone(FileOutcome outcome) implements ChannelMessage {
    public FileDone {
      Wire.require(outcome != null, "outcome is required");
    }
  }
}
