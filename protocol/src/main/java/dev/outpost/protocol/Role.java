package dev.outpost.protocol;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a machine is: a connector or a hub on a site, or a relay of the remote-session pool (the
 * vendor's, enrolled with a relay token like a connector with its own).
 */
public enum Role {
  CONNECTOR, HUB, RELAY;

  /** The lower-case name used on the wire and in the API ({@code connector}, {@code hub}). */
  @JsonValue
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
