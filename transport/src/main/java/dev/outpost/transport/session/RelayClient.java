package dev.outpost.transport.session;

import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.RelayInfo;
import dev.outpost.protocol.RelayWire;
import dev.outpost.transport.ProxyConfig;
import dev.outpost.transport.impl.Route;
import dev.outpost.transport.session.impl.EngineSocket;
import dev.outpost.transport.session.impl.SingleKeyManager;
import dev.outpost.transport.session.impl.TlsEngines;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import javax.net.ssl.X509TrustManager;

/**
 * How both ends of a remote session reach a relay: outbound, the relay's endpoints and ports in
 * order (each endpoint's own port, else each of the ports in turn), through the site's HTTP proxy
 * with {@code CONNECT} when one is configured, then TLS (1.3, 1.2 at least) presenting the end's
 * own certificate and accepting the relay only with the key pin the access server named. Then one
 * line: {@code PING} to measure latency over the real port and TLS, or {@code JOIN} with the
 * session's one-time token. The relay's TLS ends with its {@code PAIRED} line; the returned socket
 * is the TCP connection from there on, over which the ends run their own end-to-end TLS
 * ({@link OperatorSession}, {@link DeviceSession}) that the relay passes on unread.
 */
public final class RelayClient {
  private static final int PINGS = 3;
  private static final String[] PROTOCOLS = TlsFiles.PROTOCOLS.toArray(String[]::new);
  private static final int MAX_RECORD_PLAINTEXT = 16_384;

  private RelayClient() {
  }

  /**
   * Blocking. Measures the round trip to the relay: one TLS connection, then the fastest of a few
   * PING/PONG exchanges (µs). Fails when no route reaches the relay.
   */
  public static long latencyMicros(RelayInfo relay, ProxyConfig proxy, SessionCredentials credentials, Duration timeout)
      throws IOException {
    try (var socket = dial(relay, proxy, credentials, timeout)) {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      long best = Long.MAX_VALUE;
      for (int i = 0; i < PINGS; i++) {
        long start = System.nanoTime();
        out.write((RelayWire.PING + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String answer = readLine(in);
        if (!answer.startsWith(RelayWire.PONG)) {
          throw new IOException("relay " + relay.name() + " answered '" + answer + "' to PING");
        }
        best = Math.min(best, (System.nanoTime() - start) / 1_000);
      }
      return best;
    }
  }

  /**
   * Blocking. Joins the session at the relay with the one-time token and waits until the other end
   * has joined too (at most {@code pairTimeout}); then leaves the relay's TLS, and the returned
   * connection carries the end-to-end channel (its first bytes may have been read already; the
   * socket gives them first).
   */
  public static Socket join(RelayInfo relay, ProxyConfig proxy, SessionCredentials credentials, String token,
                            Duration connectTimeout, Duration pairTimeout) throws IOException {
    var socket = dial(relay, proxy, credentials, connectTimeout);
    try {
      socket.getOutputStream().write((RelayWire.PREFIX + "JOIN " + token + "\n").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, pairTimeout.toMillis()));
      while (true) {
        String answer = readLine(socket.getInputStream());
        if (answer.equals(RelayWire.PAIRED)) {
          socket.setSoTimeout(0);
          return socket.detach();
        }
        if (!answer.equals(RelayWire.WAIT)) {
          throw new IOException("relay " + relay.name() + " refused the session: "
              + (answer.startsWith("ERR ") ? answer.substring(4) : answer));
        }
      }
    } catch (SocketTimeoutException e) {
      socket.close();
      throw new IOException("the other end did not reach relay " + relay.name() + " within " + pairTimeout.toSeconds() + " s");
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** Blocking. A TLS connection to the first route of the relay that answers. */
  static EngineSocket dial(RelayInfo relay, ProxyConfig proxy, SessionCredentials credentials, Duration timeout)
      throws IOException {
    var keys = new SingleKeyManager(credentials.key(), credentials.chain().toArray(X509Certificate[]::new));
    var pin = new RelayPin(relay);
    var failures = new ArrayList<String>();
    for (var route : Route.all(relay.endpoints(), relay.ports())) {
      Socket raw = null;
      EngineSocket tls = null;
      try {
        raw = proxy == null ? direct(route, timeout) : throughProxy(route, proxy, timeout);
        raw.setTcpNoDelay(true);
        // a fresh context per connection (TlsEngines: BoringSSL when available), as many records
        // per write as the end-to-end channel hands over
        var engine = TlsEngines.best().engine(false, PROTOCOLS, keys, pin, route.host(), route.port(), false);
        tls = new EngineSocket(raw, engine, MAX_RECORD_PLAINTEXT);
        tls.decryptRecordByRecord(); // the link leaves TLS after PAIRED: never decrypt past a line
        tls.setSoTimeout((int) timeout.toMillis());
        tls.startHandshake();
        tls.setSoTimeout(0);
        return tls;
      } catch (IOException e) {
        failures.add(route + ": " + reason(e));
        if (tls != null) {
          tls.close(); // the socket below too, and the native engine
        } else if (raw != null) {
          raw.close();
        }
      }
    }
    throw new IOException("relay " + relay.name() + " is not reachable: " + String.join("; ", failures));
  }

  /** The pin check's own words if it refused the relay (BoringSSL reports only CERTIFICATE_VERIFY_FAILED), else the message. */
  private static String reason(IOException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof CertificateException refused && refused.getMessage() != null) {
        return refused.getMessage();
      }
    }
    return e.getMessage();
  }

  /** A socket with a channel: the TLS layers above move their records through it in direct buffers. */
  private static Socket open() throws IOException {
    return SocketChannel.open().socket();
  }

  private static Socket direct(Route route, Duration timeout) throws IOException {
    var socket = open();
    socket.connect(new InetSocketAddress(route.host(), route.port()), (int) timeout.toMillis());
    return socket;
  }

  /** An HTTP {@code CONNECT} tunnel through the proxy (Basic credentials when configured). */
  private static Socket throughProxy(Route route, ProxyConfig proxy, Duration timeout) throws IOException {
    var socket = open();
    try {
      socket.connect(new InetSocketAddress(proxy.host(), proxy.port()), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      var request = new StringBuilder("CONNECT ").append(route).append(" HTTP/1.1\r\nHost: ").append(route).append("\r\n");
      if (proxy.hasCredentials()) {
        String basic = Base64.getEncoder().encodeToString((proxy.user() + ":" + proxy.password()).getBytes(StandardCharsets.UTF_8));
        request.append("Proxy-Authorization: Basic ").append(basic).append("\r\n");
      }
      request.append("\r\n");
      socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      String status = readHttpLine(socket.getInputStream());
      String line;
      do {
        line = readHttpLine(socket.getInputStream());
      } while (!line.isEmpty());
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[1].equals("200")) {
        throw new IOException("proxy " + proxy.host() + ":" + proxy.port() + " refused CONNECT " + route + ": " + status);
      }
      socket.setSoTimeout(0);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** Accepts the relay's certificate only with the key pin the access server named for it. */
  private record RelayPin(RelayInfo relay) implements X509TrustManager {
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      if (chain == null || chain.length == 0) {
        throw new CertificateException("relay " + relay.name() + " presented no certificate");
      }
      String pin = MachineKeys.pin(chain[0].getPublicKey());
      if (!pin.equals(relay.pin())) {
        throw new CertificateException("relay " + relay.name() + " presented a key with pin " + pin
            + ", not the one the access server named");
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a relay link is client-side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** One line ending in LF, at most {@link RelayWire#MAX_LINE_BYTES}, read byte by byte (what follows is not ours). */
  static String readLine(InputStream in) throws IOException {
    var line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the relay closed the connection" + (line.length() > 0 ? " after '" + line + "'" : ""));
      }
      if (b == '\n') {
        return line.toString();
      }
      if (line.length() >= RelayWire.MAX_LINE_BYTES) {
        throw new IOException("the relay sent a line longer than " + RelayWire.MAX_LINE_BYTES + " bytes");
      }
      line.append((char) b);
    }
  }

  private static String readHttpLine(InputStream in) throws IOException {
    String line = readLine(in);
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
