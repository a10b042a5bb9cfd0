package dev.outpost.transport;

import dev.outpost.crypto.TlsFiles;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.util.LinkedHashSet;

/**
 * TLS for Vert.x servers and clients from a machine's {@link TlsFiles}: key and certificate chain
 * from {@code identity.*}, trust from {@code ca.pem} only, TLS 1.3 and 1.2 only, and on clients
 * hostname verification (HTTPS rules) always on. Nothing here ever trusts all.
 */
public final class VertxTls {
  private VertxTls() {}

  /** {@link #server(NetServerOptions, TlsFiles)} on new {@link HttpServerOptions}. */
  public static HttpServerOptions httpServer(TlsFiles tls) {
    return server(new HttpServerOptions(), tls);
  }

  /** {@link #client(ClientOptionsBase, TlsFiles)} on new {@link HttpClientOptions}. */
  public static HttpClientOptions httpClient(TlsFiles tls) {
    return client(new HttpClientOptions(), tls);
  }

  /** {@link #client(ClientOptionsBase, TlsFiles)} on new {@link WebSocketClientOptions}. */
  public static WebSocketClientOptions webSocketClient(TlsFiles tls) {
    return client(new WebSocketClientOptions(), tls);
  }

  /**
   * Server TLS on the given options (HTTP or plain TCP): the machine's key and chain, TLS 1.3/1.2.
   * When {@code ca.pem} exists, client certificates are requested and, if sent, must chain to it
   * ({@link ClientAuth#REQUEST}: machines that are not enrolled yet can still connect; handlers
   * decide from the peer certificate). Set {@link ClientAuth#REQUIRED} on top where every peer
   * must be enrolled.
   */
  public static <T extends NetServerOptions> T server(T options, TlsFiles tls) {
    options.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setKeyPath(tls.key().toString())
            .setCertPath(tls.certificate().toString()))
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(TlsFiles.PROTOCOLS));
    if (Files.exists(tls.ca())) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()));
      options.setClientAuth(ClientAuth.REQUEST);
    }
    return options;
  }

  /**
   * Client TLS on the given options (HTTP, WebSocket or plain TCP): trust only {@code ca.pem},
   * present the machine's certificate if it has one, TLS 1.3/1.2, and verify the server's host
   * name against its certificate.
   */
  public static <T extends ClientOptionsBase> T client(T options, TlsFiles tls) {
    options.setSsl(true)
        .setTrustAll(false)
        .setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()))
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(TlsFiles.PROTOCOLS));
    if (tls.hasIdentity()) {
      options.setKeyCertOptions(new PemKeyCertOptions()
          .setKeyPath(tls.key().toString())
          .setCertPath(tls.certificate().toString()));
    }
    options.getSslOptions().setHostnameVerificationAlgorithm("HTTPS");
    if (options instanceof HttpClientOptions http) {
      http.setVerifyHost(true);
    } else if (options instanceof WebSocketClientOptions ws) {
      ws.setVerifyHost(true);
    }
    return options;
  }
}
