package dev.outpost.transport.session.impl;

import dev.outpost.crypto.PeerIdentity;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * A hand-driven other end that speaks frames over a plain loopback socket (no TLS: the mux does
 * not care what carries it), so tests can send exactly the frames they want.
 */
final class RawEnd implements AutoCloseable {
  static final PeerIdentity PEER = new PeerIdentity("raw-peer", null, "test", BigInteger.ONE,
      Instant.now().plus(Duration.ofDays(1)), "SHA256:none");

  final Socket socket;
  /** The socket of the end under test. */
  final Socket endSocket;
  private final ServerSocket server;
  private final FrameReader reader;
  private final FrameWriter writer;

  RawEnd() throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
    endSocket = server.accept();
    socket.setTcpNoDelay(true); // as the ends' own connections: small frames (credit, PONG) go at once
    endSocket.setTcpNoDelay(true);
    reader = new FrameReader(socket.getInputStream());
    writer = new FrameWriter(socket.getOutputStream());
  }

  /** Sends one frame; threads may share the raw end (a test's sender and its answerer of PINGs). */
  synchronized void send(int type, int stream, byte[] payload) throws IOException {
    writer.write(new Frame(type, stream, payload));
    writer.flush();
  }

  void send(int type, int stream, String text) throws IOException {
    send(type, stream, text.getBytes(StandardCharsets.UTF_8));
  }

  void hello(int window) throws IOException {
    send(Frame.HELLO, 0, ByteBuffer.allocate(5).put((byte) Mux.VERSION).putInt(window).array());
  }

  void window(int stream, int credit) throws IOException {
    send(Frame.WINDOW, stream, ByteBuffer.allocate(4).putInt(credit).array());
  }

  /** Bytes as they are, for frames the codec would not write. */
  void sendRaw(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  static byte[] header(int type, int stream, int length) {
    return ByteBuffer.allocate(Frame.HEADER_BYTES).put((byte) type).putInt(stream).putInt(length).array();
  }

  /** The next frame that is not a keepalive; null at the end of the connection. */
  Frame next() throws IOException {
    while (true) {
      var frame = reader.read();
      if (frame == null || (frame.type() != Frame.PING && frame.type() != Frame.PONG)) {
        return frame;
      }
    }
  }

  /** The next frame, keepalives included. */
  Frame nextAny() throws IOException {
    return reader.read();
  }

  /** Reads up to the session's goodbye (RESET on stream 0) and returns its reason; then the connection must end. */
  String goodbye() throws IOException {
    while (true) {
      var frame = reader.read();
      if (frame == null) {
        throw new AssertionError("the connection ended without a goodbye");
      }
      if (frame.type() == Frame.RESET && frame.stream() == 0) {
        var reason = new String(frame.content(), StandardCharsets.UTF_8);
        if (reader.read() != null) {
          throw new AssertionError("frames after the goodbye");
        }
        return reason;
      }
    }
  }

  @Override
  public void close() {
    Mux.quietly(socket);
    Mux.quietly(endSocket);
    Mux.quietly(server);
  }
}
