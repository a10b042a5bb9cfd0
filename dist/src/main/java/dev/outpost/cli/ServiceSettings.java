package dev.outpost.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Settings of the process around a role, read from the role's own config file next to the role's
 * keys: where its {@code /metrics} endpoint listens and how its log file rotates.
 *
 * @param metrics {@code host:port} of the Prometheus endpoint, or {@code "off"}; default: loopback
 *                and the role's port ({@link #DEFAULT_METRICS_PORTS}). The cloud serves
 *                {@code /metrics} on its API port instead.
 * @param logs    the rotating log file in {@code DATA/logs}
 */
record ServiceSettings(String metrics, Logs logs) {
  /** Metrics ports by role: connector, hub, relay. */
  static final int CONNECTOR_METRICS_PORT = 9470;
  static final int HUB_METRICS_PORT = 9471;
  static final int RELAY_METRICS_PORT = 9472;
  static final String DEFAULT_METRICS_PORTS = "connector 9470, hub 9471, relay 9472";
  static final String OFF = "off";

  ServiceSettings {
    logs = logs == null ? Logs.DEFAULTS : logs;
    metrics = metrics == null || metrics.isBlank() ? null : metrics.strip();
    if (metrics != null && !OFF.equals(metrics)) {
      parse(metrics);
    }
  }

  /** Where {@code /metrics} listens for this role, or empty when it is off (the cloud: on its API port). */
  Optional<InetSocketAddress> metricsAddress(String role) {
    if (OFF.equals(metrics)) {
      return Optional.empty();
    }
    if (metrics != null) {
      return Optional.of(parse(metrics));
    }
    int port = switch (role) {
      case "connector" -> CONNECTOR_METRICS_PORT;
      case "hub" -> HUB_METRICS_PORT;
      case "relay" -> RELAY_METRICS_PORT;
      default -> -1;
    };
    return port < 0 ? Optional.empty() : Optional.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
  }

  private static InetSocketAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("metrics must be host:port or \"off\", not \"" + hostPort + "\"");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("metrics port is not a number in \"" + hostPort + "\"");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("metrics port must be 0 to 65535 in \"" + hostPort + "\"");
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("metrics host \"" + host + "\" is not known");
    }
  }

  /**
   * The log file {@code DATA/logs/ROLE.log}: rolled over each day and when it reaches
   * {@code maxFileSize}; rolled files are gzipped and kept {@code maxHistory} days, all of them at
   * most {@code totalSizeCap}.
   *
   * @param level        the lowest level logged: error, warn, info, debug, trace
   * @param maxFileSize  size of one file before it rolls over, e.g. {@code "10MB"}
   * @param maxHistory   days of rolled files kept
   * @param totalSizeCap the most all rolled files take together, e.g. {@code "200MB"}
   */
  record Logs(String level, String maxFileSize, int maxHistory, String totalSizeCap) {
    static final Logs DEFAULTS = new Logs("info", "10MB", 14, "200MB");

    Logs {
      level = level == null || level.isBlank() ? DEFAULTS.level : level.strip().toLowerCase(java.util.Locale.ROOT);
      if (!java.util.List.of("error", "warn", "info", "debug", "trace").contains(level)) {
        throw new IllegalArgumentException("logs.level must be error, warn, info, debug or trace, not \"" + level + "\"");
      }
      maxFileSize = size("logs.maxFileSize", maxFileSize, "10MB");
      maxHistory = maxHistory == 0 ? 14 : maxHistory;
      if (maxHistory < 1) {
        throw new IllegalArgumentException("logs.maxHistory must be at least 1 (days)");
      }
      totalSizeCap = size("logs.totalSizeCap", totalSizeCap, "200MB");
    }

    private static String size(String key, String value, String fallback) {
      if (value == null || value.isBlank()) {
        return fallback;
      }
      if (!value.strip().matches("(?i)\\d+\\s*(KB|MB|GB)")) {
        throw new IllegalArgumentException(key + " must be a size such as 10MB (KB, MB or GB), not \"" + value + "\"");
      }
      return value.strip().toUpperCase(java.util.Locale.ROOT);
    }
  }
}
