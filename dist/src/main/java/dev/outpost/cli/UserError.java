package dev.outpost.cli;

/** Something the user can fix: a port already taken, a config file that does not parse. */
final class UserError extends RuntimeException {
  UserError(String message) {
    super(message, null, false, false);
  }
}
