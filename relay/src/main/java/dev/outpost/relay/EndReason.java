package dev.outpost.relay;

/** Why a session ended, as its {@link SessionRecord} says. */
public enum EndReason {
  /** The operator's end closed its connection. */
  OPERATOR_CLOSED("closed by operator"),
  /** The device's end closed its connection. */
  DEVICE_CLOSED("closed by device"),
  /** One end joined and the other did not arrive within the pair timeout. */
  TIMEOUT("timeout"),
  /** The access server ended it ({@link RelayServer#end}); the record's detail says why. */
  ENDED("ended by access server"),
  /** A paired session moved no byte for the idle timeout. */
  IDLE("idle"),
  /** No end joined before the ticket expired. */
  EXPIRED("expired unused"),
  /** The relay was stopped. */
  RELAY_STOPPED("relay stopped");

  private final String text;

  EndReason(String text) {
    this.text = text;
  }

  /** The reason in words, for audit records and logs. */
  public String text() {
    return text;
  }
}
