package dev.outpost.transport.session;

/**
 * A session could not be set up or is over: the other end's certificate failed a check (the
 * message says which), the other end refused this one, there was no TLS, a timeout, a protocol
 * error, or the session ended. Expected failures carry no stack trace of their own.
 */
public class SessionException extends RuntimeException {
  public SessionException(String message) {
    super(message, null, false, false);
  }

  public SessionException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
