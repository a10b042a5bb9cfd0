package dev.outpost.protocol;

import java.util.Objects;

/**
 * Who a machine is: its UID (stable for the machine's life), a human name and its role.
 *
 * @param uid  the machine UID, 1 to 64 characters of {@code [A-Za-z0-9._-]}
 * @param name a human name, 1 to 200 characters
 * @param role connector or hub
 */
public record MachineRef(String uid, String name, Role role) {
  public MachineRef {
    Wire.requireUid(uid, "uid");
    Wire.require(name != null && !name.isBlank() && name.length() <= 200, "name must be 1 to 200 characters");
    Objects.requireNonNull(role, "role");
  }
}
