package dev.outpost.transport;

import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.TlsFiles;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;

/** A test CA, machines' TLS folders issued by it, and a small HTTPS + WebSocket server on 127.0.0.1. */
final class TestSite {
  final CertificateAuthority ca = CertificateAuthority.create("Test Org");
  private final Path dir;

  TestSite(Path dir) {
    this.dir = dir;
  }

  /** A machine folder with identity (SANs as given) and ca.pem of this site's CA. */
  TlsFiles machine(String name, List<String> dnsNames, List<String> ips) {
    var keys = MachineKeys.generate();
    var cert = ca.issue(keys.getPublic(), name, "test", dnsNames, ips, Duration.ofDays(1));
    return TlsFiles.write(dir.resolve(name), keys, List.of(cert, ca.certificate()), ca.certificate());
  }

  /** A folder that only trusts this site's CA (a machine before enrolment). */
  TlsFiles trustOnly(String name) {
    var files = TlsFiles.inFolder(dir.resolve(name));
    Pem.writeCertificates(files.ca(), ca.certificate());
    return files;
  }

  /**
   * Answers every request with 200 and "METHOD PATH BYTES CLIENT-CN" and header x-served-by;
   * echoes WebSocket text frames on /ws as "echo:TEXT"; refuses other WebSocket paths with 401.
   */
  static HttpServer serve(Vertx vertx, TlsFiles tls, String name, AtomicInteger hits) {
    return vertx.createHttpServer(VertxTls.httpServer(tls))
        .requestHandler(request -> request.body().onSuccess(body -> {
          hits.incrementAndGet();
          request.response().putHeader("x-served-by", name)
              .end(request.method() + " " + request.uri() + " " + body.length() + " " + clientName(request.connection()));
        }))
        .webSocketHandshakeHandler(handshake -> {
          if ("/ws".equals(handshake.path())) {
            handshake.accept();
          } else {
            handshake.reject(401);
          }
        })
        .webSocketHandler(socket -> {
          hits.incrementAndGet();
          socket.textMessageHandler(text -> {
            if ("bye".equals(text)) {
              socket.close((short) 1000, "as asked");
            } else {
              socket.writeTextMessage("echo:" + text);
            }
          });
        })
        .listen(0, "127.0.0.1")
        .await();
  }

  private static String clientName(io.vertx.core.http.HttpConnection connection) {
    try {
      var chain = connection.peerCertificates();
      return chain.isEmpty() ? "anonymous" : ((X509Certificate) chain.get(0)).getSubjectX500Principal().getName();
    } catch (SSLPeerUnverifiedException e) {
      return "anonymous";
    }
  }

  /** A loopback port that nothing listens on (connections are refused). */
  static int closedPort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
