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
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * Sets up the two ends: TLS 1.3 only over the paired connection (a fresh context per session, so
 * no session is ever resumed; fresh (EC)DHE keys each time), the device as server with a required
 * client certificate, each side's {@link PeerCheck}; then the multiplexer and its greeting.
 */
public final class SessionEnds {
  /** The only protocol version of the end-to-end channel. */
  public static final String PROTOCOL = "TLSv1.3";
  /** Name given to the TLS client; it has no dot, so no SNI is sent and the relay learns nothing from it. */
  private static final String PEER_HOST = "outpost-e2e";
  /** The most plaintext one TLS record carries (RFC 8446 5.1), here: of the link to the relay. */
  private static final int OUTER_RECORD_PLAINTEXT = 16_384;

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

  private static SSLSocket handshake(Socket paired, SessionCredentials credentials, PeerCheck check, boolean server,
      Duration timeout) {
    var other = server ? Mux.Side.OPERATOR.end() : Mux.Side.DEVICE.end();
    var timedOut = new AtomicBoolean();
    var deadline = SessionThreads.TIMER.schedule(() -> {
      timedOut.set(true);
      Mux.quietly(paired);
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    SSLSocket ssl = null;
    try {
      // window and keepalive frames are small and must not wait for Nagle's algorithm
      paired.setTcpNoDelay(true);
      var context = SSLContext.getInstance(PROTOCOL);
      var chain = credentials.chain().toArray(X509Certificate[]::new);
      context.init(new KeyManager[] {new SingleKeyManager(credentials.key(), chain)}, new TrustManager[] {check},
          new SecureRandom());
      ssl = (SSLSocket) context.getSocketFactory().createSocket(paired, PEER_HOST, paired.getPort(), true);
      ssl.setEnabledProtocols(new String[] {PROTOCOL});
      ssl.setUseClientMode(!server);
      if (server) {
        ssl.setNeedClientAuth(true);
      }
      // an inner record must fit the plaintext of one record of the TLS link to the relay, or each
      // one would become a full outer record plus a tiny one (twice the records on every leg)
      var parameters = ssl.getSSLParameters();
      parameters.setMaximumPacketSize(OUTER_RECORD_PLAINTEXT);
      ssl.setSSLParameters(parameters);
      ssl.startHandshake();
      if (!deadline.cancel(false) || timedOut.get()) {
        throw new IOException("handshake deadline passed");
      }
      if (check.accepted() == null) {
        throw new IOException("the " + other + " presented no certificate");
      }
      return ssl;
    } catch (GeneralSecurityException e) {
      deadline.cancel(false);
      Mux.quietly(paired);
      throw new SessionException("this JVM cannot set up " + PROTOCOL + ": " + e.getMessage(), e);
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
        message = "TLS handshake with the " + other + " failed: " + detail
            + (detail.contains("alert") && detail.contains("certificate")
                ? " (the " + other + " did not accept this end's certificate)" : "");
      }
      throw new SessionException(message, e);
    }
  }
}
