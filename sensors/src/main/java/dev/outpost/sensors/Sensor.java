package dev.outpost.sensors;

/**
 * One configured sensor instance, made by a {@link SensorType} from a
 * {@link dev.outpost.protocol.SensorConfig}. The {@link SensorRunner} calls it once per run, never
 * twice at the same time.
 */
@FunctionalInterface
public interface Sensor {

  /**
   * Measures once. Blocking; may throw, the runner turns any exception into an ERROR measurement
   * whose message is the exception's message. Where it blocks it must react to interruption: the
   * runner interrupts a run that outlives its timeout.
   */
  Reading measure(SensorContext context) throws Exception;
}
