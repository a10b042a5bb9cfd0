package dev.outpost.protocol;

/** Bytes or values that do not form a valid message; the message says what is wrong. */
public final class WireFormatException extends RuntimeException {
  public WireFormatException(String message) {
    super(message, null, false, false);
  }

  public WireFormatException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
