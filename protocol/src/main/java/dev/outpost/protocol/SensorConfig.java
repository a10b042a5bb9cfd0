package dev.outpost.protocol;

import java.util.Map;

/**
 * One sensor of one machine, as managed centrally.
 *
 * @param id              unique on its machine, 1 to 64 characters of {@code [A-Za-z0-9._-]}
 * @param type            the sensor type ({@code cpu}, {@code http}, …; see the sensors module)
 * @param settings        type-specific settings, all strings
 * @param intervalSeconds how often it runs, 1 s to 1 day
 * @param timeoutSeconds  how long one run may take before it is cut off with an ERROR; 0 means
 *                        "the interval, at most {@link #DEFAULT_MAX_TIMEOUT_SECONDS}"
 * @param thresholds      bounds per value name
 */
public record SensorConfig(String id, String type, Map<String, String> settings, int intervalSeconds,
                           int timeoutSeconds, Map<String, Threshold> thresholds) {
  public static final int DEFAULT_INTERVAL_SECONDS = 60;
  public static final int DEFAULT_MAX_TIMEOUT_SECONDS = 30;

  public SensorConfig {
    Wire.requireId(id, "id");
    Wire.requireId(type, "type");
    settings = settings == null ? Map.of() : Map.copyOf(settings);
    if (intervalSeconds == 0) {
      intervalSeconds = DEFAULT_INTERVAL_SECONDS;
    }
    Wire.require(intervalSeconds >= 1 && intervalSeconds <= 86_400, "intervalSeconds must be 1 to 86400");
    Wire.require(timeoutSeconds >= 0 && timeoutSeconds <= 3_600, "timeoutSeconds must be 0 to 3600");
    thresholds = thresholds == null ? Map.of() : Map.copyOf(thresholds);
  }

  /** The timeout that applies to one run. */
  public int effectiveTimeoutSeconds() {
    return timeoutSeconds > 0 ? timeoutSeconds : Math.min(intervalSeconds, DEFAULT_MAX_TIMEOUT_SECONDS);
  }
}
