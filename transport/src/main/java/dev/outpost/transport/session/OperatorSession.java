package dev.outpost.transport.session;

import dev.outpost.transport.session.impl.SessionEnds;
import java.net.Socket;

/**
 * The operator's end of a remote session: the TLS client. It presents the operator's short-lived
 * certificate and accepts only the device it asked for, then opens streams to targets that the
 * device connects to.
 */
public interface OperatorSession extends Session {
  /** The role (OU) of an operator certificate. */
  String ROLE = "operator";

  /**
   * Runs the end-to-end channel over {@code paired} (the connection to the relay once it paired the
   * two ends; anything that carries bytes to the device end) and returns once both ends greeted
   * each other. The device must present a certificate from {@code credentials.ca()} with role
   * {@value DeviceSession#ROLE} and CN {@code expectedDeviceUid}; this end presents
   * {@code credentials}. Blocks for at most {@link SessionOptions#handshakeTimeout()}.
   *
   * @param listener told of every stream and of the end of the session; null for none
   * @throws SessionException saying what failed (the device's certificate, which check; the device
   *     refused this certificate; no TLS; timeout); {@code paired} is closed then
   */
  static OperatorSession open(Socket paired, SessionCredentials credentials, String expectedDeviceUid,
      SessionOptions options, SessionListener listener) {
    return SessionEnds.operator(paired, credentials, expectedDeviceUid, options, listener);
  }

  /**
   * Asks the device for a stream to {@code hostPort} ({@code host:port}, IPv6 in brackets) and
   * waits until it is connected.
   *
   * @throws IllegalArgumentException if {@code hostPort} is not a {@code host:port}
   * @throws StreamRefusedException with the device's reason (outside its policy, cannot connect, …)
   * @throws SessionException if the session ended or the device did not answer within
   *     {@link SessionOptions#openTimeout()}
   */
  SessionStream openStream(String hostPort);
}
