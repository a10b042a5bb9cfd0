package dev.outpost.sensors;

/**
 * A sensor configuration that cannot be run: an unknown type, a missing, unknown or malformed
 * setting. The message names the sensor, its type and the setting, ready to show to a user.
 */
public class SensorConfigException extends IllegalArgumentException {

  public SensorConfigException(String message) {
    super(message);
  }
}
