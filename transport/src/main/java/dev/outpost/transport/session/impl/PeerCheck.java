package dev.outpost.transport.session.impl;

import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.MachineCertificates;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.PeerIdentity;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The check of the other end's certificate during the handshake: its chain to exactly the
 * organisation's CA, valid now, the expected role, and the expected identity (the device's uid, or
 * the pin of the operator's key). Remembers what it accepted or why it refused.
 */
final class PeerCheck extends ConnectionFreeTrustManager {
  private final X509Certificate ca;
  private final String role;
  private final String what;
  private final String expectedUid;
  private final String expectedPin;
  private volatile PeerIdentity accepted;
  private volatile String refusal;

  private PeerCheck(X509Certificate ca, String role, String what, String expectedUid, String expectedPin) {
    this.ca = ca;
    this.role = role;
    this.what = what;
    this.expectedUid = expectedUid;
    this.expectedPin = expectedPin;
  }

  /** The operator's check of the device: role and CN. */
  static PeerCheck device(X509Certificate ca, String role, String uid) {
    return new PeerCheck(ca, role, "device", uid, null);
  }

  /** The device's check of the operator: role and key pin. */
  static PeerCheck operator(X509Certificate ca, String role, String pin) {
    return new PeerCheck(ca, role, "operator", null, pin);
  }

  PeerIdentity accepted() {
    return accepted;
  }

  /** Why the certificate was refused, or null if it was not (or not yet) checked. */
  String refusal() {
    return refusal;
  }

  private void check(X509Certificate[] chain) throws CertificateException {
    try {
      if (chain == null || chain.length == 0) {
        throw new CryptoException("the " + what + " end presented no certificate");
      }
      var identity = MachineCertificates.verify(List.of(chain), ca, role, Instant.now());
      if (expectedUid != null && !expectedUid.equals(identity.uid())) {
        throw new CryptoException("it is for " + identity.uid() + ", expected " + expectedUid);
      }
      if (expectedPin != null) {
        var pin = MachineKeys.pin(chain[0].getPublicKey());
        if (!expectedPin.equals(pin)) {
          throw new CryptoException("its key (pin " + pin + ") is not the one bound to this session (pin "
              + expectedPin + ")");
        }
      }
      accepted = identity;
    } catch (CryptoException e) {
      refusal = what + " certificate refused: " + e.getMessage();
      throw new CertificateException(refusal, e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (expectedPin == null) {
      throw new CertificateException("the operator end is the TLS client; it checks no client certificates");
    }
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (expectedUid == null) {
      throw new CertificateException("the device end is the TLS server; it checks no server certificates");
    }
    check(chain);
  }

  /** None: the certificate request names no CA, so the other end sends its certificate and hears why it is refused. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
