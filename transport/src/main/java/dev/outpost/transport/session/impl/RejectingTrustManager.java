package dev.outpost.transport.session.impl;

import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/**
 * For BoringSSL: a trust manager's refusal becomes "certificate rejected", so the other end gets a
 * {@code bad_certificate} alert (as from the JDK) instead of {@code internal_error}, and can say
 * that its certificate was not accepted.
 */
final class RejectingTrustManager extends ConnectionFreeTrustManager {
  private final X509TrustManager delegate;

  RejectingTrustManager(X509TrustManager delegate) {
    this.delegate = delegate;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, authType);
    } catch (CertificateException e) {
      throw rejected(e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, authType);
    } catch (CertificateException e) {
      throw rejected(e);
    }
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }

  private static CertificateException rejected(CertificateException e) {
    var rejected = new OpenSslCertificateException(e.getMessage(), CertificateVerifier.X509_V_ERR_CERT_REJECTED);
    rejected.initCause(e);
    return rejected;
  }
}
