package dev.outpost.cloud;

/** The event-bus addresses of the cloud collector, named by what flows on them. */
public final class Addresses {
  /**
   * A machine's configuration changed; the body is the new {@link dev.outpost.protocol.MachineConfig}.
   * The command channel that serves the machine pushes it.
   */
  public static final String MACHINE_CONFIGURED = "outpost.cloud.machine.configured";

  /** A machine was revoked; the body is its uid. Every node closes its links and tells its connectors. */
  public static final String MACHINE_REVOKED = "outpost.cloud.machine.revoked";

  /** A hub's enrolment changed (approved, rejected); the body is its uid. The channel of its connector tells it. */
  public static final String HUB_ENROLMENT_CHANGED = "outpost.cloud.hub.enrolment-changed";

  /** A machine's certificate was renewed; the body is its uid. The channel that serves it sends it the new one. */
  public static final String CERTIFICATE_RENEWED = "outpost.cloud.certificate.renewed";

  /** An admin moved a hub; the body is {@code HUBUID CONNECTORUID}. The hub's current connector tells it. */
  public static final String HUB_MOVED = "outpost.cloud.hub.moved";

  private Addresses() {
  }
}
