package dev.outpost.hub;

/** Event-bus addresses inside a hub (and inside a connector, which is a hub too). */
public final class HubAddresses {
  /** A {@link dev.outpost.protocol.MachineConfig} for this machine arrived; apply it if it is newer. */
  public static final String CONFIG_RECEIVED = "config.received";
  /** The outbox holds new measurements (body: number of measurements written). */
  public static final String MEASUREMENTS_STORED = "measurements.stored";

  /** A file task from the cloud (body: the {@link dev.outpost.protocol.FileTask} as JSON). */
  public static final String FILE_TASK = "files.task";
  /** A file task ended (body: the {@link dev.outpost.protocol.FileOutcome} as JSON); goes back the way the task came. */
  public static final String FILE_DONE = "files.done";

  private HubAddresses() {
  }
}
