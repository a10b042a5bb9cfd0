package dev.outpost.sensors.impl;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The HTTP clients of the http sensors, shared: each JDK client holds a selector thread, so sensors
 * with the same redirect policy and trust share one. A client that trusts an added CA is made anew
 * when the CA file changes.
 */
final class HttpClients {
  private static final Map<Key, HttpClient> CLIENTS = new ConcurrentHashMap<>();

  private HttpClients() {
  }

  private record Key(boolean followRedirects, Path caFile, FileTime modified, long size) {
  }

  static HttpClient get(boolean followRedirects, Path caFile) throws IOException {
    Key key;
    if (caFile == null) {
      key = new Key(followRedirects, null, null, 0);
    } else {
      try {
        key = new Key(followRedirects, caFile, Files.getLastModifiedTime(caFile), Files.size(caFile));
      } catch (IOException e) {
        throw new IOException("cannot read caFile " + caFile + ": " + HttpSensor.rootMessage(e), e);
      }
    }
    var client = CLIENTS.get(key);
    if (client == null) {
      client = build(key);
      var earlier = CLIENTS.putIfAbsent(key, client);
      if (earlier != null) {
        client = earlier;
      }
      if (caFile != null) {
        CLIENTS.keySet().removeIf(k -> caFile.equals(k.caFile) && !k.equals(key) && k.followRedirects == followRedirects);
      }
    }
    return client;
  }

  private static HttpClient build(Key key) throws IOException {
    var builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(key.followRedirects ? HttpClient.Redirect.NORMAL : HttpClient.Redirect.NEVER);
    if (key.caFile != null) {
      builder.sslContext(trusting(key.caFile));
    }
    return builder.build();
  }

  /** TLS that trusts the system's CAs plus those in the PEM file. */
  private static SSLContext trusting(Path caFile) throws IOException {
    try {
      var store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      var system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      system.init((KeyStore) null);
      int n = 0;
      for (var manager : system.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          for (X509Certificate ca : x509.getAcceptedIssuers()) {
            store.setCertificateEntry("system-" + n++, ca);
          }
        }
      }
      java.util.Collection<? extends Certificate> added;
      try (InputStream in = Files.newInputStream(caFile)) {
        added = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (added.isEmpty()) {
        throw new IOException("caFile " + caFile + " holds no certificate");
      }
      for (var ca : added) {
        store.setCertificateEntry("added-" + n++, ca);
      }
      var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      var context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("caFile " + caFile + " is not a PEM certificate: " + HttpSensor.rootMessage(e), e);
    }
  }
}
