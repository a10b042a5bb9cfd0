package dev.outpost.cloud;

/** The event-bus addresses of the cloud collector, named by what flows on them. */
public final class Addresses {
  /**
   * A machine's configuration changed; the body is the new {@link dev.outpost.protocol.MachineConfig}.
   * The command channel that serves the machine pushes it.
   */
  public static final String MACHINE_CONFIGURED = "outpost.cloud.machine.configured";

  private Addresses() {
  }
}
