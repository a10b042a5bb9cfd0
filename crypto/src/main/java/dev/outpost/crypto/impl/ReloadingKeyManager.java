package dev.outpost.crypto.impl;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager that picks up a renewed certificate without a restart: before a handshake it looks
 * (at most once a second) whether the certificate file changed, and if so builds its delegate anew.
 * Connections open already keep the certificate they started with.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final long CHECK_EVERY_NANOS = 1_000_000_000L;
  private final Path watched;
  private final Supplier<X509ExtendedKeyManager> load;
  private volatile X509ExtendedKeyManager delegate;
  private volatile FileTime loadedVersion;
  private volatile long checkedAt;

  public ReloadingKeyManager(Path watched, Supplier<X509ExtendedKeyManager> load) {
    this.watched = watched;
    this.load = load;
    this.loadedVersion = modified();
    this.delegate = load.get();
    this.checkedAt = System.nanoTime();
  }

  private FileTime modified() {
    try {
      return Files.getLastModifiedTime(watched);
    } catch (java.io.IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  private X509ExtendedKeyManager current() {
    long now = System.nanoTime();
    if (now - checkedAt >= CHECK_EVERY_NANOS) {
      checkedAt = now;
      FileTime version = modified();
      if (!version.equals(loadedVersion)) {
        synchronized (this) {
          if (!version.equals(loadedVersion)) {
            delegate = load.get();
            loadedVersion = version;
          }
        }
      }
    }
    return delegate;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return current().getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return current().chooseClientAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return current().chooseEngineClientAlias(keyType, issuers, engine);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return current().getServerAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return current().chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return current().chooseEngineServerAlias(keyType, issuers, engine);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return delegate.getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return delegate.getPrivateKey(alias);
  }
}
