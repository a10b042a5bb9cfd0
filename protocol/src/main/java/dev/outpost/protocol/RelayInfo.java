package dev.outpost.protocol;

import java.util.List;

/**
 * A relay of the pool as the ends of a remote session see it: where to dial it and the pin of its
 * key, which both ends check in their TLS handshake with the relay (the access server learnt it
 * from the relay's own authenticated channel).
 *
 * @param name      unique in the pool
 * @param region    a free label (e.g. {@code eu-central}), for people
 * @param endpoints host or host:port, in order of preference
 * @param ports     ports tried in order on endpoints without their own port
 * @param pin       the relay key's pin ({@code sha256/…}, see the crypto module's {@code MachineKeys.pin})
 */
public record RelayInfo(String name, String region, List<String> endpoints, List<Integer> ports, String pin) {
  public RelayInfo {
    Wire.requireId(name, "relay name");
    region = region == null ? "" : region;
    Wire.require(endpoints != null && !endpoints.isEmpty() && endpoints.size() <= 16, "a relay has 1 to 16 endpoints");
    Wire.require(ports != null && !ports.isEmpty() && ports.size() <= 16, "a relay has 1 to 16 ports");
    Wire.require(pin != null && !pin.isBlank(), "the relay's pin is required");
    endpoints = List.copyOf(endpoints);
    ports = List.copyOf(ports);
  }
}
