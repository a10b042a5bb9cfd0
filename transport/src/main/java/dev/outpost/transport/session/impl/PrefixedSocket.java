package dev.outpost.transport.session.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;

/**
 * A socket whose input starts with bytes read from it already (by a layer that was removed, see
 * {@link EngineSocket#detach()}), then goes on with the socket's own. Everything else is the socket's.
 */
final class PrefixedSocket extends LayeredSocket {
  private final Input input;

  PrefixedSocket(Socket under, byte[] prefix) throws IOException {
    super(under);
    this.input = new Input(prefix, under.getInputStream());
  }

  /** The bytes read ahead that nobody has read yet, for a layer above that reads the socket's channel itself. */
  byte[] takePrefix() {
    return input.take();
  }

  @Override
  public InputStream getInputStream() {
    return input;
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    return under.getOutputStream();
  }

  @Override
  public void shutdownInput() throws IOException {
    under.shutdownInput();
  }

  @Override
  public void shutdownOutput() throws IOException {
    under.shutdownOutput();
  }

  @Override
  public boolean isInputShutdown() {
    return under.isInputShutdown();
  }

  @Override
  public boolean isOutputShutdown() {
    return under.isOutputShutdown();
  }

  @Override
  public void close() throws IOException {
    under.close();
  }

  @Override
  public String toString() {
    return under.toString();
  }

  private static final class Input extends InputStream {
    private final InputStream rest;
    private byte[] prefix;
    private int position;

    Input(byte[] prefix, InputStream rest) {
      this.prefix = prefix;
      this.rest = rest;
    }

    byte[] take() {
      if (prefix == null) {
        return new byte[0];
      }
      var rest = Arrays.copyOfRange(prefix, position, prefix.length);
      Arrays.fill(prefix, (byte) 0);
      prefix = null;
      return rest;
    }

    @Override
    public int read() throws IOException {
      var one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (prefix == null) {
        return rest.read(b, off, len);
      }
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      int n = Math.min(len, prefix.length - position);
      System.arraycopy(prefix, position, b, off, n);
      position += n;
      if (position == prefix.length) {
        Arrays.fill(prefix, (byte) 0);
        prefix = null;
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      return prefix == null ? rest.available() : prefix.length - position;
    }

    @Override
    public void close() throws IOException {
      rest.close();
    }
  }
}
