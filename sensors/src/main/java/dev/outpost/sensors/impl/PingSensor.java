package dev.outpost.sensors.impl;

import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.Sensor;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * {@code ping}: whether a host answers, and the round-trip time, by
 * {@link InetAddress#isReachable(int)}: an ICMP echo when the hub may send one (as root, or with
 * the CAP_NET_RAW capability), otherwise a TCP connection attempt to port 7 (echo), where a refused
 * connection also counts as an answer. No answer is ERROR.
 */
final class PingSensor implements Sensor {
  static final SensorType TYPE = SensorType.of("ping", config -> {
    var settings = new Settings(config, "host", "timeoutMs");
    return new PingSensor(settings.required("host"), settings.millis("timeoutMs", 3_000));
  });

  private final String host;
  private final int timeoutMs;

  PingSensor(String host, int timeoutMs) {
    this.host = host;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public Reading measure(SensorContext context) throws IOException, InterruptedException {
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return unreachable("unknown host: " + host);
    }
    long begin = System.nanoTime();
    boolean reachable = address.isReachable(timeoutMs);
    double millis = Quantities.millis(System.nanoTime() - begin);
    if (Thread.interrupted()) {
      throw new InterruptedException("interrupted while pinging " + host);
    }
    if (!reachable) {
      return unreachable("no answer from " + describe(address) + " within " + timeoutMs + " ms");
    }
    return Reading.of(describe(address) + " answered in " + Quantities.number(millis) + " ms")
        .with("reachable", 1)
        .with("rttMs", millis, "ms");
  }

  private String describe(InetAddress address) {
    var ip = address.getHostAddress();
    return ip.equals(host) ? host : host + " (" + ip + ")";
  }

  private static Reading unreachable(String reason) {
    return Reading.of(reason).with("reachable", 0).withState(State.ERROR);
  }
}
