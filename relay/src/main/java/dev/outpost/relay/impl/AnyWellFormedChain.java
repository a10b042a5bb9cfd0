package dev.outpost.relay.impl;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The relay's trust for client certificates: any well-formed chain (not empty, each certificate
 * signed by the next one when that one is its issuer), from any CA or self-signed. The TLS
 * handshake still proves that the client holds the leaf's private key; who may join which session
 * is decided afterwards by the leaf key's pin against the session's ticket. Servers are never trusted.
 */
final class AnyWellFormedChain extends X509ExtendedTrustManager {
  private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the relay trusts no servers");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("the relay trusts no servers");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("the relay trusts no servers");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NO_ISSUERS;
  }

  static void check(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("empty client certificate chain");
    }
    for (int i = 0; i + 1 < chain.length; i++) {
      var certificate = chain[i];
      var issuer = chain[i + 1];
      if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
        throw new CertificateException("client certificate chain out of order at " + i + ": "
            + certificate.getSubjectX500Principal() + " is not issued by " + issuer.getSubjectX500Principal());
      }
      try {
        certificate.verify(issuer.getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new CertificateException("client certificate chain broken at " + i + ": "
            + certificate.getSubjectX500Principal() + " is not signed by the next certificate's key", e);
      }
    }
  }
}
