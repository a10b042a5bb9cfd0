package dev.outpost.transport.session.impl;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;

/**
 * Makes the {@link SSLEngine}s of a session's two TLS layers, each from a fresh context (nothing is
 * ever resumed) with the caller's key manager and trust manager: BoringSSL (netty-tcnative) when it
 * loads on this machine, else the JDK's. The system property {@value #PROPERTY} ({@code jdk} or
 * {@code openssl}) forces one, for comparisons.
 */
public enum TlsEngines {
  /** BoringSSL through netty-tcnative: AES-GCM with the CPU's AES and carry-less multiply instructions. */
  OPENSSL,
  /** The JDK's SunJSSE. */
  JDK;

  /** Forces a provider: {@code jdk} or {@code openssl}. */
  public static final String PROPERTY = "outpost.session.tls";

  /** BoringSSL if it is available (and not overridden by {@value #PROPERTY}), else the JDK. */
  public static TlsEngines best() {
    var forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
    if (forced.equals("jdk")) {
      return JDK;
    }
    if (forced.equals("openssl") && !OpenSsl.isAvailable()) {
      throw new IllegalStateException(PROPERTY + "=openssl, but BoringSSL is not available here: "
          + OpenSsl.unavailabilityCause());
    }
    return OpenSsl.isAvailable() ? OPENSSL : JDK;
  }

  /**
   * A new engine.
   *
   * @param server TLS server (else client)
   * @param protocols the versions allowed, e.g. {@code TLSv1.3}
   * @param peerHost the name the client gives (SNI only if it has a dot); null for none; ignored for servers
   * @param needClientAuth a server requires the client's certificate
   */
  public SSLEngine engine(boolean server, String[] protocols, KeyManager keyManager, X509TrustManager trustManager,
      String peerHost, int peerPort, boolean needClientAuth) throws SSLException {
    return switch (this) {
      case OPENSSL -> openSsl(server, protocols, keyManager, trustManager, peerHost, peerPort, needClientAuth);
      case JDK -> jdk(server, protocols, keyManager, trustManager, peerHost, peerPort, needClientAuth);
    };
  }

  private static SSLEngine openSsl(boolean server, String[] protocols, KeyManager keyManager,
      X509TrustManager trustManager, String peerHost, int peerPort, boolean needClientAuth) throws SSLException {
    var builder = server ? SslContextBuilder.forServer(keyManager) : SslContextBuilder.forClient().keyManager(keyManager);
    var context = builder.sslProvider(SslProvider.OPENSSL_REFCNT)
        .protocols(protocols)
        .trustManager(new RejectingTrustManager(trustManager))
        .clientAuth(server && needClientAuth ? ClientAuth.REQUIRE : ClientAuth.NONE)
        .build();
    try {
      // the engine holds its own reference to the context; EngineSocket.close frees the engine
      return server || peerHost == null
          ? context.newEngine(PooledByteBufAllocator.DEFAULT)
          : context.newEngine(PooledByteBufAllocator.DEFAULT, peerHost, peerPort);
    } finally {
      io.netty.util.ReferenceCountUtil.release(context);
    }
  }

  private static SSLEngine jdk(boolean server, String[] protocols, KeyManager keyManager,
      X509TrustManager trustManager, String peerHost, int peerPort, boolean needClientAuth) throws SSLException {
    try {
      var context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keyManager}, new javax.net.ssl.TrustManager[] {trustManager}, new SecureRandom());
      var engine = server || peerHost == null ? context.createSSLEngine() : context.createSSLEngine(peerHost, peerPort);
      engine.setUseClientMode(!server);
      engine.setEnabledProtocols(protocols);
      if (server) {
        engine.setNeedClientAuth(needClientAuth);
      }
      return engine;
    } catch (GeneralSecurityException e) {
      throw new SSLException("this JVM cannot set up TLS: " + e.getMessage(), e);
    }
  }
}
