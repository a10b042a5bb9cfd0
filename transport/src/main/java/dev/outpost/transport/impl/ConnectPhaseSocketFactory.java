package dev.outpost.transport.impl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import javax.net.SocketFactory;

/**
 * Plain sockets whose read timeout, once connected, is the connect timeout: so a proxy that never
 * answers CONNECT and a port that accepts but never speaks TLS both fail within the connect
 * timeout rather than the (longer) request timeout. OkHttp sets its own read timeout on the socket
 * again as soon as the connection is ready for requests.
 */
final class ConnectPhaseSocketFactory extends SocketFactory {
  private final int connectPhaseTimeoutMillis;

  ConnectPhaseSocketFactory(int connectPhaseTimeoutMillis) {
    this.connectPhaseTimeoutMillis = connectPhaseTimeoutMillis;
  }

  @Override
  public Socket createSocket() {
    return new ConnectPhaseSocket(connectPhaseTimeoutMillis);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected(new InetSocketAddress(host, port), null);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected(new InetSocketAddress(host, port), null);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
  }

  private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
    var socket = createSocket();
    if (local != null) {
      socket.bind(local);
    }
    socket.connect(remote, connectPhaseTimeoutMillis);
    return socket;
  }

  private static final class ConnectPhaseSocket extends Socket {
    private final int connectPhaseTimeoutMillis;

    ConnectPhaseSocket(int connectPhaseTimeoutMillis) {
      this.connectPhaseTimeoutMillis = connectPhaseTimeoutMillis;
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
      super.connect(endpoint, timeout);
      setSoTimeout(connectPhaseTimeoutMillis);
    }
  }
}
