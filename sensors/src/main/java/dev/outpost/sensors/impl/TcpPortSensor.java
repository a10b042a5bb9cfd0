package dev.outpost.sensors.impl;

import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.Sensor;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.util.Locale;

/**
 * {@code tcp-port}: whether a TCP port accepts connections, and how long the connection took. A
 * refused, unanswered or unresolvable port is ERROR with the reason. The connection is closed at
 * once; nothing is sent.
 */
final class TcpPortSensor implements Sensor {
  static final SensorType TYPE = SensorType.of("tcp-port", config -> {
    var settings = new Settings(config, "host", "port", "connectTimeoutMs");
    return new TcpPortSensor(settings.required("host"), settings.integer("port", 1, 65_535),
        settings.millis("connectTimeoutMs", 5_000));
  });

  private final String host;
  private final int port;
  private final int connectTimeoutMs;

  TcpPortSensor(String host, int port, int connectTimeoutMs) {
    this.host = host;
    this.port = port;
    this.connectTimeoutMs = connectTimeoutMs;
  }

  @Override
  public Reading measure(SensorContext context) throws IOException, InterruptedException {
    var target = hostAndPort(host, port);
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return closed("unknown host: " + host);
    }
    long begin = System.nanoTime();
    try (var channel = SocketChannel.open()) {
      // the adaptor socket's timed connect is interruptible, unlike a plain Socket's
      channel.socket().connect(new InetSocketAddress(address, port), connectTimeoutMs);
      double millis = Quantities.millis(System.nanoTime() - begin);
      return Reading.of(target + " open, connected in " + Quantities.number(millis) + " ms")
          .with("open", 1)
          .with("connectMs", millis, "ms");
    } catch (ClosedByInterruptException e) {
      throw new InterruptedException("interrupted while connecting to " + target);
    } catch (SocketTimeoutException e) {
      return closed("no answer within " + connectTimeoutMs + " ms: " + target);
    } catch (IOException e) {
      return closed(describe(e) + ": " + target);
    }
  }

  private static Reading closed(String reason) {
    return Reading.of(reason).with("open", 0).withState(State.ERROR);
  }

  /** "connection refused", "no route to host": the exception's message, lower case. */
  static String describe(IOException e) {
    var message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return message.substring(0, 1).toLowerCase(Locale.ROOT) + message.substring(1);
  }

  static String hostAndPort(String host, int port) {
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }
}
