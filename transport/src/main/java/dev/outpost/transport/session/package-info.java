/**
 * The two ends of a remote session, run inside the relay pipe so that the relay only ever sees
 * ciphertext: {@link dev.outpost.transport.session.OperatorSession} (TLS client, the operator's
 * short-lived certificate) and {@link dev.outpost.transport.session.DeviceSession} (TLS server, the
 * connector's machine certificate). TLS 1.3 only, fresh (EC)DHE keys per session, both
 * certificates checked against the organisation's CA, the expected role and the expected identity
 * (device uid; operator key pin). Inside, a small multiplexing protocol carries many TCP streams
 * with per-stream flow control ({@link dev.outpost.transport.session.SessionStream}); the device
 * connects targets that its {@link dev.outpost.transport.session.TargetPolicy} allows. Blocking
 * I/O on the session's own daemon threads. The construction is in {@code crypto/README.md}, the
 * frames in {@code transport/README.md}.
 */
package dev.outpost.transport.session;
