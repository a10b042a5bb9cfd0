package dev.outpost.cloud.impl.access;

import dev.outpost.protocol.RelayInfo;
import dev.outpost.protocol.RelayMessage;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The relays registered with the access server (each over its own authenticated channel), their
 * load, and the choice of a relay for a session.
 *
 * <p>The choice: for every relay that both ends reached and that has room, the cost is
 * <pre>  cost = latency(operator → relay) + latency(device → relay) + {@value #LOAD_WEIGHT_MS} ms × sessions / capacity</pre>
 * (latencies in ms, as the ends measured them over the relay's real port and TLS) and the cheapest
 * wins. Hysteresis: the relay chosen last for the same device stays as long as its cost is within
 * {@value #KEEP_WITHIN_PERCENT} % (and at least {@value #KEEP_WITHIN_MS} ms) of the cheapest, so
 * that sessions do not flap between nearly equal relays. An operator may force a relay by name.
 */
public final class RelayPool {
  static final double LOAD_WEIGHT_MS = 50;
  static final double KEEP_WITHIN_PERCENT = 20;
  static final double KEEP_WITHIN_MS = 2;

  /** A registered relay: where the ends dial it, its load, and how to tell it things. */
  public record Relay(RelayInfo info, int sessions, int capacity, long bytesPerSecond, Consumer<RelayMessage> channel) {
    Relay withLoad(RelayMessage.Load load) {
      return new Relay(info, load.sessions(), load.capacity() > 0 ? load.capacity() : capacity, load.bytesPerSecond(), channel);
    }

    boolean hasRoom() {
      return sessions < capacity;
    }
  }

  private final Map<String, Relay> relays = new ConcurrentHashMap<>();
  private final Map<String, String> lastChoice = new ConcurrentHashMap<>();

  public void register(Relay relay) {
    relays.put(relay.info().name(), relay);
  }

  /** Forgets a relay when its channel closed (only if it is still the same registration). */
  public void unregister(String name, Consumer<RelayMessage> channel) {
    relays.computeIfPresent(name, (n, r) -> r.channel() == channel ? null : r);
  }

  public void load(String name, RelayMessage.Load load) {
    relays.computeIfPresent(name, (n, r) -> r.withLoad(load));
  }

  public List<Relay> relays() {
    return relays.values().stream().sorted(Comparator.comparing(r -> r.info().name())).toList();
  }

  public Optional<Relay> relay(String name) {
    return Optional.ofNullable(relays.get(name));
  }

  /**
   * The relay for a session to {@code device}, by the documented cost with hysteresis; empty when
   * no relay was reached by both ends and has room.
   *
   * @param operatorMicros the operator's latency to each relay it reached, µs
   * @param deviceMicros   the device's latency to each relay it reached, µs
   */
  public Optional<Relay> choose(String device, Map<String, Long> operatorMicros, Map<String, Long> deviceMicros) {
    Relay best = null;
    double bestCost = Double.MAX_VALUE;
    for (Relay relay : relays()) {
      double cost = cost(relay, operatorMicros, deviceMicros);
      if (cost < bestCost) {
        best = relay;
        bestCost = cost;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    Relay previous = relays.get(lastChoice.getOrDefault(device, ""));
    if (previous != null && previous != best) {
      double previousCost = cost(previous, operatorMicros, deviceMicros);
      if (previousCost <= bestCost + Math.max(KEEP_WITHIN_MS, bestCost * KEEP_WITHIN_PERCENT / 100)) {
        best = previous;
      }
    }
    lastChoice.put(device, best.info().name());
    return Optional.of(best);
  }

  /** The cost of a relay in ms, or infinity when one end did not reach it or it is full. */
  static double cost(Relay relay, Map<String, Long> operatorMicros, Map<String, Long> deviceMicros) {
    Long operator = operatorMicros.get(relay.info().name());
    Long device = deviceMicros.get(relay.info().name());
    if (operator == null || device == null || operator < 0 || device < 0 || !relay.hasRoom()) {
      return Double.POSITIVE_INFINITY;
    }
    return (operator + device) / 1000.0 + LOAD_WEIGHT_MS * relay.sessions() / Math.max(1, relay.capacity());
  }
}
