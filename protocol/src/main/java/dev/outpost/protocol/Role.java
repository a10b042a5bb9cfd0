package dev.outpost.protocol;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a machine is on a site. */
public enum Role {
  CONNECTOR, HUB;

  /** The lower-case name used on the wire and in the API ({@code connector}, {@code hub}). */
  @JsonValue
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
