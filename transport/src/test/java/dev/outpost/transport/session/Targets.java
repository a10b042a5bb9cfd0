package dev.outpost.transport.session;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** TCP targets on 127.0.0.1 for the device end to reach, each on its own port. */
final class Targets {
  private Targets() {}

  /** Echoes every connection byte for byte; passes a half close on; counts connections that ended. */
  static final class Echo implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger ended = new AtomicInteger();

    Echo() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      CapturingForwarder.daemon("echo-accept", () -> {
        while (!server.isClosed()) {
          try {
            var socket = server.accept();
            accepted.incrementAndGet();
            CapturingForwarder.daemon("echo", () -> echo(socket));
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    private void echo(Socket socket) {
      var buffer = new byte[32 * 1024];
      try (socket) {
        var in = socket.getInputStream();
        var out = socket.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
        }
        socket.shutdownOutput();
      } catch (IOException e) {
        // the tunnel closed it
      } finally {
        ended.incrementAndGet();
      }
    }

    String hostPort() {
      return "127.0.0.1:" + server.getLocalPort();
    }

    @Override
    public void close() {
      CapturingForwarder.quietly(server);
    }
  }

  /** Sends {@code size} bytes of {@link #data} to every connection, then closes it; counts what it wrote. */
  static final class Source implements AutoCloseable {
    final ServerSocket server;
    final AtomicLong written = new AtomicLong();

    Source(long size, long seed) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      CapturingForwarder.daemon("source-accept", () -> {
        while (!server.isClosed()) {
          try {
            var socket = server.accept();
            CapturingForwarder.daemon("source", () -> send(socket, size, seed));
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    private void send(Socket socket, long size, long seed) {
      var random = new Random(seed);
      var chunk = new byte[16 * 1024];
      try (socket) {
        var out = socket.getOutputStream();
        for (long left = size; left > 0; ) {
          random.nextBytes(chunk);
          int n = (int) Math.min(chunk.length, left);
          out.write(chunk, 0, n);
          written.addAndGet(n);
          left -= n;
        }
      } catch (IOException e) {
        // the tunnel closed it
      }
    }

    String hostPort() {
      return "127.0.0.1:" + server.getLocalPort();
    }

    @Override
    public void close() {
      CapturingForwarder.quietly(server);
    }
  }

  /** What {@link Source} sends: {@code size} bytes from a seeded generator, in the same chunks. */
  static byte[] data(int size, long seed) {
    var random = new Random(seed);
    var out = new byte[size];
    var chunk = new byte[16 * 1024];
    for (int at = 0; at < size; at += chunk.length) {
      random.nextBytes(chunk);
      System.arraycopy(chunk, 0, out, at, Math.min(chunk.length, size - at));
    }
    return out;
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] readAll(InputStream in) throws IOException {
    return in.readAllBytes();
  }

  /** Whether {@code needle} occurs anywhere in {@code haystack}. */
  static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
