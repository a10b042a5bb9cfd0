package dev.outpost.transport.session.impl;

import dev.outpost.transport.session.DeviceSession;
import dev.outpost.transport.session.OperatorSession;
import dev.outpost.transport.session.SessionCredentials;
import dev.outpost.transport.session.SessionException;
import dev.outpost.transport.session.SessionListener;
import dev.outpost.transport.session.SessionOptions;
import dev.outpost.transport.session.TargetPolicy;
import java.io.IOException;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sets up the two ends: TLS 1.3 only over the paired connection ({@link TlsEngines#best}, a fresh
 * context per session, so no session is ever resumed; fresh (EC)DHE keys each time), the device as
 * server with a required client certificate, each side's {@link PeerCheck}; then the multiplexer
 * and its greeting.
 */
public final class SessionEnds {
  /** The only protocol version of the end-to-end channel. */
  public static final String PROTOCOL = "TLSv1.3";
  /** The most plaintext one TLS record carries (RFC 8446 5.1). */
  private static final int MAX_RECORD_PLAINTEXT = 16_384;

  private SessionEnds() {}

  public static OperatorSession operator(Socket paired, SessionCredentials credentials, String expectedDeviceUid,
      SessionOptions options, SessionListener listener) {
    Objects.requireNonNull(paired, "paired");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(options, "options");
    if (expectedDeviceUid == null || expectedDeviceUid.isBlank()) {
      throw new IllegalArgumentException("no expected device uid");
    }
    var check = PeerCheck.device(credentials.ca(), DeviceSession.ROLE, expectedDeviceUid);
    var ssl = handshake(paired, credentials, check, false, options.handshakeTimeout());
    OperatorEnd end;
    try {
      end = new OperatorEnd(ssl, paired, check.accepted(), options, listener);
    } catch (IOException e) {
      Mux.quietly(ssl);
      throw new SessionException("cannot use the connection to the device end: " + e.getMessage(), e);
    }
    end.start();
    return end;
  }

  public static DeviceSession device(Socket paired, SessionCredentials credentials, String expectedOperatorPin,
      TargetPolicy policy, SessionOptions options, SessionListener listener) {
    Objects.requireNonNull(paired, "paired");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(options, "options");
    if (expectedOperatorPin == null || expectedOperatorPin.isBlank()) {
      throw new IllegalArgumentException("no expected operator key pin");
    }
    var check = PeerCheck.operator(credentials.ca(), OperatorSession.ROLE, expectedOperatorPin);
    var ssl = handshake(paired, credentials, check, true, options.handshakeTimeout());
    DeviceEnd end;
    try {
      end = new DeviceEnd(ssl, paired, check.accepted(), policy, options, listener);
    } catch (IOException e) {
      Mux.quietly(ssl);
      throw new SessionException("cannot use the connection to the operator end: " + e.getMessage(), e);
    }
    end.start();
    return end;
  }

  private static EngineSocket handshake(Socket paired, SessionCredentials credentials, PeerCheck check, boolean server,
      Duration timeout) {
    var other = server ? Mux.Side.OPERATOR.end() : Mux.Side.DEVICE.end();
    var timedOut = new AtomicBoolean();
    var deadline = SessionThreads.TIMER.schedule(() -> {
      timedOut.set(true);
      Mux.quietly(paired);
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    EngineSocket ssl = null;
    try {
      // window and keepalive frames are small and must not wait for Nagle's algorithm
      paired.setTcpNoDelay(true);
      var chain = credentials.chain().toArray(X509Certificate[]::new);
      // a fresh context per session; no peer name, so no SNI
      var engine = TlsEngines.best().engine(server, new String[] {PROTOCOL},
          new SingleKeyManager(credentials.key(), chain), check, null, 0, true);
      ssl = new EngineSocket(paired, engine, MAX_RECORD_PLAINTEXT);
      ssl.startHandshake();
      if (!deadline.cancel(false) || timedOut.get()) {
        throw new IOException("handshake deadline passed");
      }
      if (check.accepted() == null) {
        throw new IOException("the " + other + " presented no certificate");
      }
      if (!PROTOCOL.equals(ssl.session().getProtocol())) {
        throw new IOException("the " + other + " negotiated " + ssl.session().getProtocol() + ", not " + PROTOCOL);
      }
      return ssl;
    } catch (IOException | RuntimeException e) {
      deadline.cancel(false);
      Mux.quietly(ssl);
      Mux.quietly(paired);
      String message;
      if (check.refusal() != null) {
        message = check.refusal();
      } else if (timedOut.get()) {
        message = "no TLS handshake with the " + other + " within " + Mux.human(timeout);
      } else {
        var detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        var lower = detail.toLowerCase(Locale.ROOT); // BoringSSL says SSLV3_ALERT_BAD_CERTIFICATE
        message = "TLS handshake with the " + other + " failed: " + detail
            + (lower.contains("alert") && lower.contains("certificate")
                ? " (the " + other + " did not accept this end's certificate)" : "")
            + (lower.contains("unsupported_protocol") || lower.contains("protocol_version")
                ? " (the " + other + " does not speak " + PROTOCOL + "; TLSv1.2 and older are refused)" : "");
      }
      throw new SessionException(message, e);
    }
  }
}
