package dev.outpost.transport.session;

import dev.outpost.transport.session.impl.SessionEnds;
import java.net.Socket;

/**
 * The device's end of a remote session (it runs on the connector): the TLS server. It presents the
 * connector's machine certificate, accepts only the operator certificate that the access server
 * bound to this session, and for each stream the operator asks for connects the target itself if
 * the {@link TargetPolicy} allows it.
 */
public interface DeviceSession extends Session {
  /** The role (OU) of the certificate the device end presents. */
  String ROLE = "connector";

  /**
   * Runs the end-to-end channel over {@code paired} and returns once both ends greeted each other;
   * from then on streams are served on the session's own threads until it ends. The operator must
   * present a certificate from {@code credentials.ca()} with role {@value OperatorSession#ROLE}
   * whose public key has the pin {@code expectedOperatorPin} ({@code MachineKeys.pin}). Blocks for
   * at most {@link SessionOptions#handshakeTimeout()}.
   *
   * @param listener told of every stream (opened, refused and why, closed with its bytes) and of
   *     the end of the session, for the audit; null for none
   * @throws SessionException saying what failed; {@code paired} is closed then
   */
  static DeviceSession serve(Socket paired, SessionCredentials credentials, String expectedOperatorPin,
      TargetPolicy policy, SessionOptions options, SessionListener listener) {
    return SessionEnds.device(paired, credentials, expectedOperatorPin, policy, options, listener);
  }
}
