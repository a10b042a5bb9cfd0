package dev.outpost.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * Messages on the command channel: one long-lived WebSocket that a connector keeps open to the
 * cloud ({@code wss://cloud/device/v1/channel}), one JSON text frame per message. Later versions
 * carry revocations, session requests and file notices on the same channel.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ChannelMessage.Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = ChannelMessage.MachinesSeen.class, name = "machines-seen"),
    @JsonSubTypes.Type(value = ChannelMessage.Configure.class, name = "configure"),
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

  /** Cloud → connector: the configuration of the connector itself or of one of its hubs. */
  record Configure(MachineConfig config) implements ChannelMessage {
    public Configure {
      Wire.require(config != null, "config is required");
    }
  }
}
