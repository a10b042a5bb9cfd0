package dev.outpost.transport.session;

import dev.outpost.transport.session.impl.HostPort;
import java.net.InetAddress;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which targets a device end connects to for the operator. The device resolves the host first and
 * then connects to exactly the address it gave the policy, so a policy on addresses (CIDRs) cannot
 * be sidestepped by a name that resolves differently the second time.
 */
@FunctionalInterface
public interface TargetPolicy {
  /**
   * Empty if the device may connect to {@code address}:{@code port} for the operator's
   * {@code host}; otherwise the reason the operator is told. Called on a session worker thread;
   * an exception counts as a refusal.
   */
  Optional<String> refusal(String host, int port, InetAddress address);

  /** Every target (for tests and explicitly open sites). */
  static TargetPolicy allowAll() {
    return (host, port, address) -> Optional.empty();
  }

  /** Exactly these {@code host:port} targets, the host compared without case, as the operator names them. */
  static TargetPolicy only(Collection<String> hostPorts) {
    Set<String> allowed = hostPorts.stream()
        .map(text -> HostPort.parse(text).toString().toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
    return (host, port, address) -> {
      var target = new HostPort(host, port).toString();
      return allowed.contains(target.toLowerCase(Locale.ROOT)) ? Optional.empty()
          : Optional.of(target + " is not allowed by this site's policy");
    };
  }
}
