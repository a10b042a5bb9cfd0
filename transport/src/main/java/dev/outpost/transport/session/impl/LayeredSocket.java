package dev.outpost.transport.session.impl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;

/**
 * A socket that carries its bytes over another, connected one: addresses, timeouts and options
 * are those of the socket below; subclasses supply the streams and what closing means.
 */
abstract class LayeredSocket extends Socket {
  protected final Socket under;

  LayeredSocket(Socket under) {
    this.under = under;
  }

  @Override
  public abstract void close() throws IOException;

  @Override
  public boolean isClosed() {
    return under.isClosed();
  }

  @Override
  public boolean isConnected() {
    return under.isConnected();
  }

  @Override
  public boolean isBound() {
    return under.isBound();
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    under.setSoTimeout(timeout);
  }

  @Override
  public int getSoTimeout() throws SocketException {
    return under.getSoTimeout();
  }

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    under.setTcpNoDelay(on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return under.getTcpNoDelay();
  }

  @Override
  public InetAddress getInetAddress() {
    return under.getInetAddress();
  }

  @Override
  public InetAddress getLocalAddress() {
    return under.getLocalAddress();
  }

  @Override
  public int getPort() {
    return under.getPort();
  }

  @Override
  public int getLocalPort() {
    return under.getLocalPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return under.getRemoteSocketAddress();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return under.getLocalSocketAddress();
  }
}
