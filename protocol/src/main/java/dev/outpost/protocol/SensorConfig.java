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
 * @param secrets         secret settings (passwords), each sealed by the cloud to the machine's key
 *                        ({@code hpke1.…}, bound to {@link #secretInfo}); the machine opens them only
 *                        when the sensor runs and passes them to it like settings
 */
public record SensorConfig(String id, String type, Map<String, String> settings, int intervalSeconds,
                           int timeoutSeconds, Map<String, Threshold> thresholds, Map<String, String> secrets) {
  public static final int DEFAULT_INTERVAL_SECONDS = 60;
  public static final int DEFAULT_MAX_TIMEOUT_SECONDS = 30;
  /** Prefix of a sealed secret's text. */
  public static final String SEALED_PREFIX = "hpke1.";
  public static final int MAX_SEALED_CHARS = 100_000;

  public SensorConfig(String id, String type, Map<String, String> settings, int intervalSeconds, int timeoutSeconds,
                      Map<String, Threshold> thresholds) {
    this(id, type, settings, intervalSeconds, timeoutSeconds, thresholds, null);
  }

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
    secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
    for (var e : secrets.entrySet()) {
      Wire.requireId(e.getKey(), "secret name");
      Wire.require(!settings.containsKey(e.getKey()), "secret " + e.getKey() + " is also a plain setting");
      Wire.require(e.getValue().startsWith(SEALED_PREFIX) && e.getValue().length() <= MAX_SEALED_CHARS,
          "secret " + e.getKey() + " is not a sealed secret");
    }
  }

  /** The same sensor with other sealed secrets. */
  public SensorConfig withSecrets(Map<String, String> sealed) {
    return new SensorConfig(id, type, settings, intervalSeconds, timeoutSeconds, thresholds, sealed);
  }

  /**
   * What a sealed secret is bound to: the machine, the sensor and the setting. A ciphertext moved to
   * another machine, sensor or setting does not open.
   */
  public static byte[] secretInfo(String machineUid, String sensorId, String name) {
    return ("outpost sensor secret|" + machineUid + "|" + sensorId + "|" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The timeout that applies to one run. */
  public int effectiveTimeoutSeconds() {
    return timeoutSeconds > 0 ? timeoutSeconds : Math.min(intervalSeconds, DEFAULT_MAX_TIMEOUT_SECONDS);
  }
}
