package dev.outpost.transport.session.impl;

import java.io.IOException;

/** The other end broke the multiplexing protocol; the session ends with this message as its reason. */
final class MuxProtocolException extends IOException {
  MuxProtocolException(String message) {
    super(message, null);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
