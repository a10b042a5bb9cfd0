package dev.outpost.transport.session;

import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.MachineKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An organisation's CA with a connector (the device end) and an operator issued by it, and a way to
 * pair the two ends through a {@link CapturingForwarder} standing in for the relay.
 */
final class TunnelSite {
  static final String DEVICE_UID = "connector-7f3a9c2e";
  static final String OPERATOR_UID = "operator-alice-51d0";
  static final SessionOptions FAST = SessionOptions.defaults().withHandshakeTimeout(Duration.ofSeconds(10));

  final CertificateAuthority ca = CertificateAuthority.create("Test Org");
  final KeyPair deviceKeys = MachineKeys.generate();
  final KeyPair operatorKeys = MachineKeys.generate();
  final SessionCredentials device = credentials(ca, deviceKeys, DEVICE_UID, DeviceSession.ROLE, Duration.ofDays(90));
  final SessionCredentials operator = credentials(ca, operatorKeys, OPERATOR_UID, OperatorSession.ROLE,
      Duration.ofMinutes(10));

  /** Credentials issued by {@code issuer} that trust this site's CA. */
  SessionCredentials credentials(CertificateAuthority issuer, KeyPair keys, String uid, String role, Duration validity) {
    var certificate = issuer.issue(keys.getPublic(), uid, role, List.of(), List.of(), validity);
    return new SessionCredentials(keys.getPrivate(), List.of(certificate, issuer.certificate()), ca.certificate());
  }

  String operatorPin() {
    return MachineKeys.pin(operatorKeys.getPublic());
  }

  /** Both ends as the access server would set them up; change a field to make one of them wrong. */
  Pairing pairing() {
    return new Pairing(this);
  }

  static final class Pairing {
    SessionCredentials operatorCredentials;
    SessionCredentials deviceCredentials;
    String expectedDeviceUid = DEVICE_UID;
    String expectedOperatorPin;
    TargetPolicy policy = TargetPolicy.allowAll();
    SessionOptions operatorOptions = FAST;
    SessionOptions deviceOptions = FAST;
    SessionListener operatorListener = SessionListener.NONE;
    SessionListener deviceListener = SessionListener.NONE;

    Pairing(TunnelSite site) {
      operatorCredentials = site.operator;
      deviceCredentials = site.device;
      expectedOperatorPin = site.operatorPin();
    }

    Pairing options(SessionOptions both) {
      operatorOptions = both;
      deviceOptions = both;
      return this;
    }

    /** Runs both ends at once through a new forwarder; each end's session or failure. */
    Tunnel connect() throws IOException, InterruptedException {
      var deviceListenerSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      var relay = new CapturingForwarder(deviceListenerSocket.getLocalSocketAddress());
      var deviceEnd = CompletableFuture.supplyAsync(() -> {
        try {
          var paired = deviceListenerSocket.accept();
          return DeviceSession.serve(paired, deviceCredentials, expectedOperatorPin, policy, deviceOptions,
              deviceListener);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, task -> CapturingForwarder.daemon("test-device-end", task));
      var tunnel = new Tunnel(relay, deviceListenerSocket);
      try {
        tunnel.operator = OperatorSession.open(new Socket(InetAddress.getLoopbackAddress(), relay.port()),
            operatorCredentials, expectedDeviceUid, operatorOptions, operatorListener);
      } catch (SessionException e) {
        tunnel.operatorFailure = e;
      }
      try {
        tunnel.device = deviceEnd.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        tunnel.deviceFailure = e.getCause();
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError("the device end did not finish its handshake", e);
      }
      return tunnel;
    }
  }

  static final class Tunnel implements AutoCloseable {
    final CapturingForwarder relay;
    private final ServerSocket deviceListener;
    OperatorSession operator;
    DeviceSession device;
    Throwable operatorFailure;
    Throwable deviceFailure;

    Tunnel(CapturingForwarder relay, ServerSocket deviceListener) {
      this.relay = relay;
      this.deviceListener = deviceListener;
    }

    /** Both ends up, or an assertion error with both failures. */
    Tunnel requireUp() {
      if (operator == null || device == null) {
        throw new AssertionError("session not set up: operator " + operatorFailure + ", device " + deviceFailure);
      }
      return this;
    }

    @Override
    public void close() {
      if (operator != null) {
        operator.close();
      }
      if (device != null) {
        device.close();
      }
      relay.close();
      CapturingForwarder.quietly(deviceListener);
    }
  }
}
