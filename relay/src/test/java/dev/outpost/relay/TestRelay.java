package dev.outpost.relay;

import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.RelayWire;
import dev.outpost.transport.session.impl.EngineSocket;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;

/**
 * A relay on 127.0.0.1 with its own test CA, machines with certificates from that CA, and blocking
 * TLS clients that speak the relay's lines.
 */
final class TestRelay implements AutoCloseable {
  final CertificateAuthority ca = CertificateAuthority.create("Test Org");
  final Path dir;
  final Vertx vertx = Vertx.vertx();
  final RelayServer relay;
  /** The key pin of the relay's certificate, as the access server names it to the ends. */
  final String relayPin;
  final List<SessionRecord> records = new CopyOnWriteArrayList<>();
  final List<Refusal> refusals = new CopyOnWriteArrayList<>();
  /** Every client connection, so that none is closed by the garbage collector while a test runs. */
  private final List<End> ends = new CopyOnWriteArrayList<>();
  private final SSLContext anonymous;

  /** A started relay: limits high enough not to matter unless the test sets them, then {@code tweak}. */
  TestRelay(Path dir, UnaryOperator<RelayConfig> tweak) {
    this.dir = dir;
    var keys = MachineKeys.generate();
    relayPin = MachineKeys.pin(keys.getPublic());
    var certificate = ca.issue(keys.getPublic(), "relay-1", "relay", List.of("localhost"), List.of("127.0.0.1"),
        Duration.ofDays(1));
    TlsFiles.write(dir.resolve("relay"), keys, List.of(certificate, ca.certificate()), ca.certificate());
    var trustOnly = TlsFiles.inFolder(dir.resolve("anonymous"));
    Pem.writeCertificates(trustOnly.ca(), ca.certificate());
    anonymous = TlsFiles.anonymousClientContext(trustOnly.trustManager());
    var config = RelayConfig.of(dir.resolve("relay"), "test-relay")
        .withAddress("127.0.0.1", 0)
        .withLimits(null, 1_000_000_000L, 4_000_000_000L);
    relay = RelayServer.create(vertx, tweak.apply(config));
    relay.sessionEndedHandler(records::add);
    relay.refusalHandler(refusals::add);
    relay.start().await();
  }

  /** A machine with its own key and a certificate from the test CA. */
  Identity machine(String name) {
    var keys = MachineKeys.generate();
    var certificate = ca.issue(keys.getPublic(), name, "test", List.of(), List.of(), Duration.ofDays(1));
    var tls = TlsFiles.write(dir.resolve(name), keys, List.of(certificate, ca.certificate()), ca.certificate());
    return new Identity(tls, MachineKeys.pin(keys.getPublic()), tls.sslContext());
  }

  /** Tells the relay to expect a session between these two, valid for a minute. */
  Ticket expect(String sessionId, String token, Identity operator, Identity device, long bytesPerSecond) {
    var ticket = new Ticket(sessionId, Ticket.tokenHash(token), operator.pin(), device.pin(),
        Instant.now().plusSeconds(60), bytesPerSecond);
    relay.expect(ticket).await();
    return ticket;
  }

  /** A TLS connection to the relay that presents the machine's certificate. */
  End connect(Identity identity) throws IOException {
    return keep(End.open(identity.context(), relay.port()));
  }

  /** A TLS connection to the relay without a client certificate. */
  End connectWithoutCertificate() throws IOException {
    return keep(End.open(anonymous, relay.port()));
  }

  private End keep(End end) {
    ends.add(end);
    return end;
  }

  /** Operator and device joined and paired (both read WAIT and PAIRED). */
  End[] pair(String sessionId, Identity operator, Identity device, long bytesPerSecond) throws IOException {
    String token = RelayWire.newToken();
    expect(sessionId, token, operator, device, bytesPerSecond);
    var operatorEnd = connect(operator).join(token);
    if (!RelayWire.WAIT.equals(operatorEnd.readLine())) {
      throw new IllegalStateException("the operator got no WAIT");
    }
    var deviceEnd = connect(device).join(token);
    if (!RelayWire.WAIT.equals(deviceEnd.readLine())) {
      throw new IllegalStateException("the device got no WAIT");
    }
    if (!RelayWire.PAIRED.equals(operatorEnd.readLine()) || !RelayWire.PAIRED.equals(deviceEnd.readLine())) {
      throw new IllegalStateException("the ends were not paired");
    }
    return new End[] {operatorEnd, deviceEnd};
  }

  SessionRecord record(String sessionId) {
    return records.stream().filter(r -> r.sessionId().equals(sessionId)).findFirst().orElse(null);
  }

  @Override
  public void close() {
    try {
      ends.forEach(End::close);
      relay.stop().await();
    } finally {
      vertx.close().await();
    }
  }

  /** A machine's TLS files, its key pin, and a TLS context from them (made once: that is slow). */
  record Identity(TlsFiles tls, String pin, SSLContext context) {}

  /**
   * One blocking TLS client connection, as the ends make it: TLS until the relay says PAIRED,
   * then the raw connection (what the end-to-end channel would run over).
   */
  static final class End implements Closeable {
    Socket socket;
    InputStream in;
    OutputStream out;

    private End(Socket socket) throws IOException {
      use(socket);
    }

    private void use(Socket next) throws IOException {
      this.socket = next;
      this.in = next.getInputStream();
      this.out = next.getOutputStream();
    }

    static End open(SSLContext context, int port) throws IOException {
      var raw = SocketChannel.open(new InetSocketAddress("127.0.0.1", port)).socket();
      var engine = context.createSSLEngine("127.0.0.1", port);
      engine.setUseClientMode(true);
      var tls = new EngineSocket(raw, engine, 16_384);
      tls.decryptRecordByRecord();
      // a guard against a hang, not a figure: generous, since a loaded machine (a CI run beside other builds) is slow
      tls.setSoTimeout(60_000);
      tls.startHandshake();
      return new End(tls);
    }

    End send(String line) throws IOException {
      out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return this;
    }

    End join(String token) throws IOException {
      return send(RelayWire.join(token));
    }

    /** The next line without its newline, read byte by byte (what follows may be raw bytes); null at the end. */
    String readLine() throws IOException {
      var line = new ByteArrayOutputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
        }
        if (b == '\n') {
          var text = line.toString(StandardCharsets.US_ASCII);
          if (text.equals(RelayWire.PAIRED) && socket instanceof EngineSocket tls) {
            int timeout = tls.getSoTimeout();
            use(tls.detach());
            socket.setSoTimeout(timeout);
          }
          return text;
        }
        line.write(b);
      }
    }

    /** Reads exactly {@code length} bytes. */
    byte[] readExactly(int length) throws IOException {
      return in.readNBytes(length);
    }

    /**
     * Whether the relay closed this connection within {@code limit}: reads (and drops) whatever
     * still arrives until the end of the stream or an error.
     */
    boolean closedWithin(Duration limit) throws IOException {
      long deadline = System.nanoTime() + limit.toNanos();
      var buffer = new byte[64 * 1024];
      while (System.nanoTime() < deadline) {
        socket.setSoTimeout((int) Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis()));
        try {
          if (in.read(buffer) < 0) {
            return true;
          }
        } catch (SocketTimeoutException e) {
          return false;
        } catch (IOException e) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
