package dev.outpost.crypto.impl;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An {@link SSLContext} whose engines, sockets and server sockets only ever enable the given
 * protocol versions, whatever the JVM's defaults or {@code java.security} say.
 */
public final class ProtocolLimitedSslContext extends SSLContext {
  public ProtocolLimitedSslContext(SSLContext delegate, String... protocols) {
    super(new Spi(delegate, protocols.clone()), delegate.getProvider(), delegate.getProtocol());
  }

  private static final class Spi extends SSLContextSpi {
    private final SSLContext delegate;
    private final String[] protocols;

    Spi(SSLContext delegate, String[] protocols) {
      this.delegate = delegate;
      this.protocols = protocols;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
        throws KeyManagementException {
      delegate.init(km, tm, random);
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return new SocketFactory(delegate.getSocketFactory(), protocols);
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return new ServerSocketFactory(delegate.getServerSocketFactory(), protocols);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      var engine = delegate.createSSLEngine();
      engine.setEnabledProtocols(protocols);
      return engine;
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      var engine = delegate.createSSLEngine(host, port);
      engine.setEnabledProtocols(protocols);
      return engine;
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return delegate.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      var parameters = delegate.getDefaultSSLParameters();
      parameters.setProtocols(protocols);
      return parameters;
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return delegate.getSupportedSSLParameters();
    }
  }

  private static final class SocketFactory extends SSLSocketFactory {
    private final SSLSocketFactory delegate;
    private final String[] protocols;

    SocketFactory(SSLSocketFactory delegate, String[] protocols) {
      this.delegate = delegate;
      this.protocols = protocols;
    }

    private Socket limit(Socket socket) {
      if (socket instanceof SSLSocket ssl) {
        ssl.setEnabledProtocols(protocols);
      }
      return socket;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
      return limit(delegate.createSocket());
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
      return limit(delegate.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
      return limit(delegate.createSocket(s, consumed, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return limit(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return limit(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return limit(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return limit(delegate.createSocket(address, port, localAddress, localPort));
    }
  }

  private static final class ServerSocketFactory extends SSLServerSocketFactory {
    private final SSLServerSocketFactory delegate;
    private final String[] protocols;

    ServerSocketFactory(SSLServerSocketFactory delegate, String[] protocols) {
      this.delegate = delegate;
      this.protocols = protocols;
    }

    private ServerSocket limit(ServerSocket socket) {
      if (socket instanceof SSLServerSocket ssl) {
        ssl.setEnabledProtocols(protocols);
      }
      return socket;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public ServerSocket createServerSocket() throws IOException {
      return limit(delegate.createServerSocket());
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      return limit(delegate.createServerSocket(port));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return limit(delegate.createServerSocket(port, backlog));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
      return limit(delegate.createServerSocket(port, backlog, address));
    }
  }
}
