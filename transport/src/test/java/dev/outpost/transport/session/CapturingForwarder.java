package dev.outpost.transport.session;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a relay does once it paired two ends, as small as possible: accepts connections on
 * 127.0.0.1, connects each to the target, copies bytes both ways (half closes passed on) and keeps
 * a copy of every byte, each direction apart, so tests can look at what a relay would see.
 */
final class CapturingForwarder implements AutoCloseable {
  private final ServerSocket server;
  private final SocketAddress target;
  private final ByteArrayOutputStream towardsTarget = new ByteArrayOutputStream();
  private final ByteArrayOutputStream fromTarget = new ByteArrayOutputStream();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  CapturingForwarder(SocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon("forwarder-accept", this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Every byte that went from the connecting side to the target. */
  byte[] towardsTarget() {
    synchronized (towardsTarget) {
      return towardsTarget.toByteArray();
    }
  }

  /** Every byte that came back from the target. */
  byte[] fromTarget() {
    synchronized (fromTarget) {
      return fromTarget.toByteArray();
    }
  }

  /** Drops every connection at once, as a relay that fails would. */
  void cut() {
    sockets.forEach(CapturingForwarder::quietly);
  }

  @Override
  public void close() {
    quietly(server);
    cut();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        var client = server.accept();
        var upstream = new Socket();
        upstream.connect(target, 5000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        daemon("forwarder-up", () -> copy(client, upstream, towardsTarget));
        daemon("forwarder-down", () -> copy(upstream, client, fromTarget));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void copy(Socket from, Socket to, ByteArrayOutputStream capture) {
    var buffer = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        synchronized (capture) {
          capture.write(buffer, 0, n);
        }
        out.write(buffer, 0, n);
      }
      to.shutdownOutput();
    } catch (IOException e) {
      quietly(from);
      quietly(to);
    }
  }

  static Thread daemon(String name, Runnable task) {
    var thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  static void quietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // test clean-up
    }
  }
}
