package dev.outpost.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * Messages between a hub and its connector on the LAN link: one WebSocket over TLS
 * ({@code wss://connector:4443/lan/v1}), one binary frame per message, CBOR encoded by {@link Wire}.
 * The hub speaks first with {@link Hello}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = LanMessage.Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = LanMessage.Batches.class, name = "batches"),
    @JsonSubTypes.Type(value = LanMessage.Ack.class, name = "ack"),
    @JsonSubTypes.Type(value = LanMessage.Configure.class, name = "configure"),
    @JsonSubTypes.Type(value = LanMessage.Enrol.class, name = "enrol"),
    @JsonSubTypes.Type(value = LanMessage.EnrolmentState.class, name = "enrolment"),
    @JsonSubTypes.Type(value = LanMessage.Goodbye.class, name = "goodbye"),
    @JsonSubTypes.Type(value = LanMessage.Move.class, name = "move"),
    @JsonSubTypes.Type(value = LanMessage.CloudRoute.class, name = "cloud"),
    @JsonSubTypes.Type(value = LanMessage.File.class, name = "file"),
    @JsonSubTypes.Type(value = LanMessage.FileDone.class, name = "file-done"),
})
public sealed interface LanMessage {

  /** Hub → connector, first message: who the hub is and which configuration it runs. */
  record Hello(int v, MachineRef machine, long configVersion) implements LanMessage {
    public Hello {
      Wire.require(v == Wire.VERSION, "unsupported wire version " + v + ", this side speaks " + Wire.VERSION);
      Wire.require(machine != null, "machine is required");
    }
  }

  /**
   * Hub → connector: measurements to relay; the connector answers with {@link Ack} after its durable
   * write.
   *
   * @param sentAt the hub's clock when it sent the frame (epoch ms), from which the connector
   *               measures the hub's clock offset; null from hubs that do not say
   */
  record Batches(long id, List<Batch> batches, Long sentAt) implements LanMessage {
    public Batches {
      Wire.require(batches != null && !batches.isEmpty(), "at least one batch");
      Wire.require(sentAt == null || sentAt > 0, "sentAt must be positive");
      batches = List.copyOf(batches);
    }

    public Batches(long id, List<Batch> batches) {
      this(id, batches, null);
    }
  }

  /** Connector → hub: the {@link Batches} with this id is durably stored by the connector. */
  record Ack(long id) implements LanMessage {
  }

  /**
   * Hub → connector, instead of {@link Hello} while the hub has no certificate: it asks to be
   * enrolled. The connector passes the request on to the cloud and answers with
   * {@link EnrolmentState}, again whenever the state changes while the link is open.
   */
  record Enrol(Enrolment.Request request) implements LanMessage {
    public Enrol {
      Wire.require(request != null && request.role() == Role.HUB, "a hub's enrolment request is required");
    }
  }

  /** Connector → hub: where its enrolment stands (its certificate once approved), or why it was refused. */
  record EnrolmentState(String uid, Enrolment.Answer answer, String refused) implements LanMessage {
    public EnrolmentState {
      Wire.requireUid(uid, "uid");
      Wire.require((answer == null) != (refused == null), "either an answer or a refusal");
    }
  }

  /** Hub → connector, last message before a clean shutdown: the cloud can tell "shut down" from "contact lost". */
  record Goodbye(String reason) implements LanMessage {
    public Goodbye {
      reason = reason == null ? "shut down" : reason.length() > 200 ? reason.substring(0, 200) : reason;
    }
  }

  /** Connector → hub: an admin moved the hub to another connector (by uid); the hub links there from now on. */
  record Move(String connector) implements LanMessage {
    public Move {
      Wire.requireUid(connector, "connector");
    }
  }

  /** Connector → hub: the configuration the cloud has for this hub. */
  record Configure(MachineConfig config) implements LanMessage {
    public Configure {
      Wire.require(config != null, "config is required");
    }
  }

  /**
   * Connector → hub: how the connector reaches the cloud, so that the hub can upload there itself
   * when it loses its connector (the fallback). Proxy settings are not passed on: a hub that needs
   * a proxy has the whole route in its own config.
   *
   * @param endpoints the cloud's endpoints, in order of preference
   * @param ports     the ports tried on each endpoint without its own port
   */
  record CloudRoute(List<String> endpoints, List<Integer> ports) implements LanMessage {
    public CloudRoute {
      Wire.require(endpoints != null && !endpoints.isEmpty() && endpoints.size() <= 16, "1 to 16 endpoints");
      Wire.require(ports != null && !ports.isEmpty() && ports.size() <= 16, "1 to 16 ports");
      endpoints = List.copyOf(endpoints);
      ports = List.copyOf(ports);
    }
  }

  /**
   * Connector → hub: a file task from the cloud. The hub fetches or uploads through the connector's
   * gateway ({@code https://connector:4443/files/v1/…}), which passes signed file requests on to the
   * cloud unchanged, or directly while it is in fallback.
   */
  record File(FileTask task) implements LanMessage {
    public File {
      Wire.require(task != null, "task is required");
    }
  }

  /** Hub → connector: how a file task ended; the connector passes it on to the cloud. */
  record FileDone(FileOutcome outcome) implements LanMessage {
    public FileDone {
      Wire.require(outcome != null, "outcome is required");
    }
  }
}
