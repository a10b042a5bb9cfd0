package dev.outpost.transport.session.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.MachineKeys;
import io.netty.handler.ssl.OpenSsl;
import io.netty.util.ReferenceCounted;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The blocking TLS adapter, with each provider: the end-to-end layer inside an outer layer, as
 * sessions run it, over a real loopback connection and real certificates.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineSocketTest {
  private static final String[] TLS13 = {"TLSv1.3"};
  private static final String DEVICE = "connector-1";

  private final CertificateAuthority ca = CertificateAuthority.create("Test Org");
  private final KeyPair deviceKeys = MachineKeys.generate();
  private final KeyPair operatorKeys = MachineKeys.generate();
  private final ServerSocket listener;
  private final Socket clientRaw;
  private final Socket serverRaw;

  EngineSocketTest() throws IOException {
    listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    clientRaw = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
    serverRaw = listener.accept();
  }

  @AfterEach
  void closeSockets() throws IOException {
    clientRaw.close();
    serverRaw.close();
    listener.close();
  }

  private static void assumeAvailable(TlsEngines provider) {
    assumeTrue(provider != TlsEngines.OPENSSL || OpenSsl.isAvailable(), "BoringSSL (netty-tcnative) does not load here");
  }

  private SingleKeyManager keys(KeyPair pair, String uid, String role) {
    var certificate = ca.issue(pair.getPublic(), uid, role, List.of(), List.of(), Duration.ofDays(1));
    return new SingleKeyManager(pair.getPrivate(), new X509Certificate[] {certificate, ca.certificate()});
  }

  /** A client and a server engine as the session ends make them, the server checking {@code expectedPin}. */
  private record Ends(EngineSocket client, EngineSocket server, PeerCheck clientCheck, PeerCheck serverCheck) {}

  private Ends ends(TlsEngines provider, Socket clientUnder, Socket serverUnder, String expectedDevice,
      int maxRecordPlaintext) throws IOException {
    var clientCheck = PeerCheck.device(ca.certificate(), "connector", expectedDevice);
    var serverCheck = PeerCheck.operator(ca.certificate(), "operator", MachineKeys.pin(operatorKeys.getPublic()));
    SSLEngine client = provider.engine(false, TLS13, keys(operatorKeys, "op-1", "operator"), clientCheck, null, 0, true);
    SSLEngine server = provider.engine(true, TLS13, keys(deviceKeys, DEVICE, "connector"), serverCheck, null, 0, true);
    return new Ends(new EngineSocket(clientUnder, client, maxRecordPlaintext),
        new EngineSocket(serverUnder, server, maxRecordPlaintext), clientCheck, serverCheck);
  }

  /** Both handshakes at once; the server's outcome (its exception, if any). */
  private static CompletableFuture<Void> serverHandshake(EngineSocket server) {
    return CompletableFuture.runAsync(() -> {
      try {
        server.startHandshake();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** Both handshakes at once, to their end. */
  private static void handshake(Ends ends) throws Exception {
    var server = serverHandshake(ends.server());
    ends.client().startHandshake();
    server.get(10, TimeUnit.SECONDS);
  }

  private static byte[] readAll(InputStream in) throws IOException {
    var out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toByteArray();
  }

  @ParameterizedTest
  @EnumSource(TlsEngines.class)
  void megabytesCrossBothWaysAtOnceThroughTwoLayers(TlsEngines provider) throws Exception {
    assumeAvailable(provider);
    // outer: as to the relay (no client check here), inner: end to end, records that fit one outer record
    var outer = ends(provider, clientRaw, serverRaw, DEVICE, 16_384);
    handshake(outer);
    var inner = ends(provider, outer.client(), outer.server(), DEVICE, 16_384 - 22);
    handshake(inner);
    assertEquals("TLSv1.3", inner.client().session().getProtocol());
    assertEquals(DEVICE, inner.clientCheck().accepted().uid());
    assertNotNull(inner.serverCheck().accepted());

    var up = new byte[8 * 1024 * 1024 + 7];
    var down = new byte[5 * 1024 * 1024 + 3];
    new Random(1).nextBytes(up);
    new Random(2).nextBytes(down);
    var serverSide = CompletableFuture.supplyAsync(() -> {
      try {
        var out = inner.server().getOutputStream();
        for (int at = 0; at < down.length; at += 1000) {
          out.write(down, at, Math.min(1000, down.length - at)); // small writes: one record each
        }
        return inner.server().getInputStream().readNBytes(up.length);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    var writeUp = CompletableFuture.runAsync(() -> {
      try {
        inner.client().getOutputStream().write(up);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    assertArrayEquals(down, inner.client().getInputStream().readNBytes(down.length));
    writeUp.get(30, TimeUnit.SECONDS);
    assertArrayEquals(up, serverSide.get(30, TimeUnit.SECONDS));
    inner.client().shutdownOutput();
    assertEquals(-1, inner.server().getInputStream().read(), "close_notify ends the other end's input");
    assertThrows(SocketException.class, () -> inner.client().getOutputStream().write(1), "no writes after close_notify");
  }

  @ParameterizedTest
  @EnumSource(TlsEngines.class)
  void aRefusedCertificateFailsBothHandshakesAndTheOtherEndHearsWhy(TlsEngines provider) throws Exception {
    assumeAvailable(provider);
    var ends = ends(provider, clientRaw, serverRaw, "another-device", 16_384);
    var server = serverHandshake(ends.server());
    assertThrows(SSLException.class, () -> ends.client().startHandshake());
    assertTrue(ends.clientCheck().refusal().contains("another-device"), ends.clientCheck().refusal());
    assertNull(ends.clientCheck().accepted());
    var failure = assertThrows(ExecutionException.class, () -> server.get(10, TimeUnit.SECONDS)).getCause().getCause();
    assertTrue(failure instanceof SSLException, String.valueOf(failure));
    var message = failure.getMessage().toLowerCase(java.util.Locale.ROOT);
    assertTrue(message.contains("alert") && message.contains("certificate"), "the alert says why: " + message);
  }

  @ParameterizedTest
  @EnumSource(TlsEngines.class)
  void aConnectionEndingInTheHandshakeIsAnErrorNotAHang(TlsEngines provider) throws Exception {
    assumeAvailable(provider);
    var ends = ends(provider, clientRaw, serverRaw, DEVICE, 16_384);
    serverRaw.close();
    assertThrows(IOException.class, () -> ends.client().startHandshake());
  }

  @ParameterizedTest
  @EnumSource(TlsEngines.class)
  void closeEndsABlockedReadAtBothEndsAndFreesTheEngine(TlsEngines provider) throws Exception {
    assumeAvailable(provider);
    var ends = ends(provider, clientRaw, serverRaw, DEVICE, 16_384);
    handshake(ends);
    var blockedRead = CompletableFuture.supplyAsync(() -> {
      try {
        return ends.client().getInputStream().read();
      } catch (IOException e) {
        return -2; // the socket below was closed under the read: also an end
      }
    });
    ends.client().getOutputStream().write("last words".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    ends.client().close();
    assertTrue(blockedRead.get(5, TimeUnit.SECONDS) < 0);
    assertTrue(ends.client().isClosed() && clientRaw.isClosed());
    assertEquals("last words", new String(readAll(ends.server().getInputStream()), java.nio.charset.StandardCharsets.US_ASCII),
        "what was written before close arrives, then the end of the stream (close_notify)");
    assertThrows(SocketException.class, () -> ends.client().getOutputStream().write(1));
    if (provider == TlsEngines.OPENSSL) {
      var engine = EngineSocket.class.getDeclaredField("engine");
      engine.setAccessible(true);
      assertEquals(0, ((ReferenceCounted) engine.get(ends.client())).refCnt(), "the native engine is freed");
    }
  }

  /** Sends one line inside TLS, then leaves TLS at that point (the relay after PAIRED). */
  private static Socket sayPairedAndLeave(EngineSocket tls) throws IOException {
    tls.getOutputStream().write("PAIRED\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return tls.detach();
  }

  private static String readLine(InputStream in) throws IOException {
    var line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("ended after '" + line + "'");
      }
      line.append((char) b);
    }
    return line.toString();
  }

  @ParameterizedTest
  @EnumSource(TlsEngines.class)
  void leavingTlsAfterALineHandsOverExactlyTheBytesThatFollowIt(TlsEngines provider) throws Exception {
    assumeAvailable(provider);
    // the client's socket has a channel (direct buffers, as RelayClient makes it), the server's not
    try (var channelListener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
         var clientUnder = java.nio.channels.SocketChannel.open(channelListener.getLocalSocketAddress()).socket();
         var serverUnder = channelListener.accept()) {
      var ends = ends(provider, clientUnder, serverUnder, DEVICE, 16_384);
      ends.client().decryptRecordByRecord();
      handshake(ends);

      // the line and raw bytes behind it are all there before the client reads: one read takes both
      var raw = new byte[50_000]; // within the socket buffers: this thread writes it before it reads
      new Random(3).nextBytes(raw);
      ends.server().decryptRecordByRecord();
      var serverRawSide = sayPairedAndLeave(ends.server());
      serverRawSide.getOutputStream().write(raw);
      assertEquals("PAIRED", readLine(ends.client().getInputStream()));
      var clientRawSide = ends.client().detach();
      assertTrue(clientRawSide instanceof PrefixedSocket, "raw bytes were read ahead with the line's record");
      assertTrue(ends.client().isClosed(), "the TLS socket is done with");
      assertArrayEquals(raw, clientRawSide.getInputStream().readNBytes(raw.length), "not a byte decrypted, lost or doubled");

      // and a new TLS layer runs over what is left, its first flight possibly read ahead already
      var inner = ends(provider, serverRawSide, clientRawSide, DEVICE, 16_384);
      handshake(inner);
      inner.client().getOutputStream().write("through".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      assertEquals("through", new String(inner.server().getInputStream().readNBytes(7),
          java.nio.charset.StandardCharsets.US_ASCII));
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngines.class)
  void leavingTlsWithDecryptedBytesUnreadIsRefusedAndClosesTheConnection(TlsEngines provider) throws Exception {
    assumeAvailable(provider);
    var ends = ends(provider, clientRaw, serverRaw, DEVICE, 16_384);
    ends.client().decryptRecordByRecord();
    handshake(ends);
    ends.server().getOutputStream().write("PAIRED\nand more".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals("PAIRED", readLine(ends.client().getInputStream()));
    var refused = assertThrows(SSLException.class, () -> ends.client().detach());
    assertTrue(refused.getMessage().contains("8 decrypted bytes unread"), refused.getMessage());
    assertTrue(clientRaw.isClosed(), "a connection out of step is closed, not carried on");
  }
}
