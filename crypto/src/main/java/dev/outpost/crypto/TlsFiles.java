package dev.outpost.crypto;

import dev.outpost.crypto.impl.ProtocolLimitedSslContext;
import dev.outpost.crypto.impl.ReloadingKeyManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS files of one machine's data folder: {@code identity.key} (its private key, PKCS#8 PEM,
 * mode 0600), {@code identity.pem} (its certificate, then the chain) and {@code ca.pem} (the CA
 * certificates it trusts, and nothing else).
 */
public record TlsFiles(Path key, Path certificate, Path ca) {
  public static final String KEY_FILE = "identity.key";
  public static final String CERTIFICATE_FILE = "identity.pem";
  public static final String CA_FILE = "ca.pem";
  /** The only TLS versions any Outpost link speaks, preferred first. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  public TlsFiles {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(ca, "ca");
  }

  /** The standard file names inside a machine's data folder (nothing is read yet). */
  public static TlsFiles inFolder(Path dataDir) {
    return new TlsFiles(dataDir.resolve(KEY_FILE), dataDir.resolve(CERTIFICATE_FILE), dataDir.resolve(CA_FILE));
  }

  /** Whether the machine has an identity yet: its key and certificate exist. */
  public boolean hasIdentity() {
    return Files.exists(key) && Files.exists(certificate);
  }

  /**
   * Writes key (0600), certificate chain (leaf first) and trusted CA into the folder, each
   * atomically. Used by enrolment, the demo and tests.
   */
  public static TlsFiles write(Path dataDir, KeyPair keys, List<X509Certificate> chain, X509Certificate ca) {
    if (chain == null || chain.isEmpty()) {
      throw new CryptoException("no certificate chain to write to " + dataDir);
    }
    if (!Arrays.equals(chain.get(0).getPublicKey().getEncoded(), keys.getPublic().getEncoded())) {
      throw new CryptoException("the first certificate of the chain (" + chain.get(0).getSubjectX500Principal()
          + ") is not for the given key pair");
    }
    var files = inFolder(dataDir);
    Pem.writePrivateKey(files.key, keys.getPrivate());
    Pem.writeCertificates(files.certificate, chain.toArray(X509Certificate[]::new));
    Pem.writeCertificates(files.ca, Objects.requireNonNull(ca, "ca"));
    return files;
  }

  /**
   * Trusts exactly the certificates in {@code ca.pem} as anchors, with the JDK's standard PKIX path
   * validation (signatures, validity, basic constraints, key usage). Hostnames are checked by the
   * caller's TLS client, not here.
   */
  public X509TrustManager trustManager() {
    var anchors = Pem.readCertificates(ca);
    try {
      var store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < anchors.size(); i++) {
        store.setCertificateEntry("ca-" + i, anchors.get(i));
      }
      var factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(store);
      for (var manager : factory.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new CryptoException("the JDK gave no X.509 trust manager");
    } catch (GeneralSecurityException | IOException e) {
      throw new CryptoException("cannot build a trust manager from " + ca + ": " + e.getMessage(), e);
    }
  }

  /**
   * A TLS context limited to {@link #PROTOCOLS}: trust from {@code ca.pem}; the key and
   * certificate chain from {@code identity.*} when the machine has an identity (so it can serve
   * TLS and present a client certificate), none otherwise. A certificate renewed in place is
   * picked up for new connections without a restart.
   */
  public SSLContext sslContext() {
    var trust = trustManager();
    try {
      KeyManager[] keyManagers = null;
      if (hasIdentity()) {
        keyManagers = new KeyManager[] {new ReloadingKeyManager(certificate, this::keyManager)};
      }
      var context = SSLContext.getInstance("TLS");
      context.init(keyManagers, new TrustManager[] {trust}, new SecureRandom());
      return new ProtocolLimitedSslContext(context, PROTOCOLS.toArray(String[]::new));
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot build a TLS context from " + key + " and " + certificate + ": "
          + e.getMessage(), e);
    }
  }

  private javax.net.ssl.X509ExtendedKeyManager keyManager() {
    var privateKey = Pem.readPrivateKey(key);
    var chain = Pem.readCertificates(certificate);
    if (!CertificateAuthority.keyMatches(chain.get(0), privateKey)) {
      throw new CryptoException(key + " does not hold the private key of the certificate in " + certificate);
    }
    try {
      var password = new char[0];
      var store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("identity", privateKey, password, chain.toArray(X509Certificate[]::new));
      var factory = KeyManagerFactory.getInstance("PKIX");
      factory.init(store, password);
      for (var manager : factory.getKeyManagers()) {
        if (manager instanceof javax.net.ssl.X509ExtendedKeyManager x509) {
          return x509;
        }
      }
      throw new CryptoException("the JDK gave no X.509 key manager");
    } catch (GeneralSecurityException | IOException e) {
      throw new CryptoException("cannot load " + key + " and " + certificate + ": " + e.getMessage(), e);
    }
  }

  /**
   * A client TLS context limited to {@link #PROTOCOLS} that presents no certificate and trusts what
   * the given trust manager trusts: for a machine's first contact, before it has an identity.
   */
  public static SSLContext anonymousClientContext(X509TrustManager trust) {
    try {
      var context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, new SecureRandom());
      return new ProtocolLimitedSslContext(context, PROTOCOLS.toArray(String[]::new));
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot build a TLS context: " + e.getMessage(), e);
    }
  }
}
