package dev.outpost.relay;

import dev.outpost.transport.DialerConfig;
import java.util.List;

/**
 * What {@code outpost relay --config FILE} needs: the relay server itself, how to reach the access
 * server (the cloud), the one-time enrolment token for the first start, and the endpoints under
 * which the ends of a session dial this relay.
 *
 * @param relay     the relay server ({@link RelayConfig}); its {@code dataDir} holds the relay's identity
 * @param cloud     how to reach the cloud (endpoints, ports, proxy, backoff)
 * @param token     a relay enrolment token made in the cloud; needed until the relay is enrolled
 * @param endpoints where the ends dial this relay, {@code host} or {@code host:port} in order of
 *                  preference; default: {@code host:port} as the relay listens (a real address needed then)
 * @param ports     ports the ends try on endpoints without their own; default: the relay's port
 */
public record RelayNodeConfig(RelayConfig relay, DialerConfig cloud, String token, List<String> endpoints, List<Integer> ports) {
  public RelayNodeConfig {
    if (relay == null) {
      throw new IllegalArgumentException("relay (the relay server's settings: dataDir, name, …) is required");
    }
    if (cloud == null) {
      throw new IllegalArgumentException("cloud (endpoints of the access server) is required");
    }
    token = token == null || token.isBlank() ? null : token.strip();
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    ports = ports == null ? List.of() : List.copyOf(ports);
  }

  @Override
  public String toString() {
    return "RelayNodeConfig[relay=" + relay.name() + ", cloud=" + cloud + ", token=" + (token == null ? "none" : "***") + "]";
  }
}
