package dev.outpost.transport.session.impl;

import io.netty.util.ReferenceCounted;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * A TLS connection over another socket, run by an {@link SSLEngine} (BoringSSL's or the JDK's, see
 * {@link TlsEngines}) behind blocking streams, so the session code stays thread-per-connection.
 * One thread may read while another writes. Writes are cut into records of at most
 * {@code maxRecordPlaintext} bytes and sent several records per write to the socket below; reads
 * decrypt every whole record that arrived in one go. The socket below may itself be an
 * {@code EngineSocket} (the end-to-end channel inside the TLS link to the relay).
 */
public final class EngineSocket extends LayeredSocket {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
  /** Records encrypted before the socket below gets them in one write. */
  private static final int RECORDS_PER_WRITE = 4;
  /** Bytes asked of the socket below per read: several records at once. */
  private static final int READ_BYTES = 64 * 1024;

  private final SSLEngine engine;
  private final int maxRecordPlaintext;
  /** The engine's largest record and largest plaintext of one, asked once (not per record). */
  private final int packetSize;
  private final int applicationSize;
  private final InputStream netIn;
  private final OutputStream netOut;
  /** The socket's channel when it has one (made by {@link SocketChannel#open()}): records move through direct buffers. */
  private final SocketChannel channel;
  /** Heap staging for reads with a timeout over a channel (they go through the socket's stream). */
  private byte[] staging;
  private volatile int soTimeout;
  private final ReentrantLock readLock = new ReentrantLock();
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Input input = new Input();
  private final Output output = new Output();
  /** Ciphertext received, not yet decrypted (read side, under readLock). */
  private ByteBuffer inNet;
  /**
   * Where the records not yet decrypted begin in {@link #inNet} (they end at its position): the
   * engine takes one record per unwrap, and moving the rest to the front after each would copy a
   * read's bytes over again; they move only before the next read from the socket.
   */
  private int inNetStart;
  /** Plaintext decrypted, not yet read (read side, under readLock). */
  private ByteBuffer inApp;
  /**
   * Where the decrypted bytes not yet read begin in {@link #inApp} (a short read does not move the
   * rest); decrypting starts only once all were read, when this is 0 again.
   */
  private int inAppStart;
  /** Ciphertext made, not yet sent (write side, under writeLock). */
  private ByteBuffer outNet;
  private volatile boolean inputDone;
  private volatile boolean outputShut;
  private volatile boolean closed;
  /** Set when an engine result reports the end of the handshake (BoringSSL may still say NEED_UNWRAP after). */
  private boolean handshakeFinished;
  /** The last unwrap ran out of room: ask the engine again before reading more (read side). */
  private boolean plaintextHeld;
  /** Decrypt no record beyond the one whose bytes are asked for (see {@link #detach()}). */
  private volatile boolean recordByRecord;

  /**
   * @param under the connected socket the records travel over; closed with this one
   * @param engine a fresh engine in client or server mode, not yet handshaking
   * @param maxRecordPlaintext the most plaintext per record (at most 16 384)
   */
  public EngineSocket(Socket under, SSLEngine engine, int maxRecordPlaintext) throws IOException {
    super(under);
    this.engine = engine;
    this.maxRecordPlaintext = Math.min(maxRecordPlaintext, 16_384);
    this.netIn = under.getInputStream();
    this.netOut = under.getOutputStream();
    // bytes a layer below read ahead (the relay link's TLS, see detach()) come first
    byte[] early = new byte[0];
    Socket base = under;
    if (under instanceof PrefixedSocket prefixed) {
      early = prefixed.takePrefix();
      base = prefixed.under;
    }
    this.channel = base.getChannel();
    this.soTimeout = under.getSoTimeout();
    this.packetSize = engine.getSession().getPacketBufferSize();
    this.applicationSize = engine.getSession().getApplicationBufferSize();
    // direct buffers when there is a channel: BoringSSL and the socket work on them without copies
    this.inNet = allocate(Math.max(Math.max(READ_BYTES, packetSize), early.length));
    this.inNet.put(early);
    this.inApp = allocate(Math.max(READ_BYTES, applicationSize));
    this.outNet = allocate(RECORDS_PER_WRITE * packetSize);
  }

  /** Runs the handshake to its end on the calling thread; fails with the engine's or the socket's exception. */
  public void startHandshake() throws IOException {
    readLock.lock();
    writeLock.lock();
    try {
      engine.beginHandshake();
      while (true) {
        switch (handshakeFinished ? HandshakeStatus.FINISHED : engine.getHandshakeStatus()) {
          case NEED_TASK -> runTasks();
          case NEED_WRAP -> wrap(EMPTY);
          case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
            sendNet();
            if (!unwrapSome(true) && engine.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP) {
              throw new EOFException("the connection ended during the TLS handshake");
            }
          }
          default -> {
            // BoringSSL may still hold this end's last flight (the client's Finished) until a wrap
            wrap(EMPTY);
            sendNet();
            return;
          }
        }
      }
    } catch (SSLException e) {
      sendAlert();
      throw e;
    } finally {
      writeLock.unlock();
      readLock.unlock();
    }
  }

  /**
   * From now on decrypts one record at a time, never ahead of what is read: for a connection that
   * leaves TLS at a point both sides agree on ({@link #detach()}), after which the bytes that follow
   * are not records of this connection.
   */
  public void decryptRecordByRecord() {
    recordByRecord = true;
  }

  /**
   * Leaves TLS without a close_notify, at a point both sides agreed on (the relay link after
   * {@code PAIRED}): returns the socket below, whose input starts with whatever arrived after the
   * last record. Fails, and closes everything, if decrypted bytes are still unread (the two sides
   * did not stop at the same point). This socket is unusable afterwards.
   * Needs {@link #decryptRecordByRecord()} before the last record was read.
   */
  public Socket detach() throws IOException {
    readLock.lock();
    writeLock.lock();
    try {
      if (closed) {
        throw new SocketException("the TLS connection is closed");
      }
      if (!recordByRecord || decrypted() > 0 || plaintextHeld || outNet.position() > 0) {
        throw new SSLException("cannot leave TLS here: " + decrypted() + " decrypted bytes unread");
      }
      inNet.flip().position(inNetStart);
      var rest = new byte[inNet.remaining()];
      inNet.get(rest);
      inNet.clear();
      inNetStart = 0;
      closed = true;
      outputShut = true;
      inputDone = true;
      return rest.length == 0 ? under : new PrefixedSocket(under, rest);
    } catch (IOException | RuntimeException e) {
      closed = true;
      under.close();
      throw e;
    } finally {
      writeLock.unlock();
      readLock.unlock();
      release();
    }
  }

  /** The negotiated session (protocol, cipher suite, peer certificates). */
  public SSLSession session() {
    return engine.getSession();
  }

  /** After a failed handshake: whatever alert the engine has for the other end goes out, if it can. */
  private void sendAlert() {
    try {
      engine.closeOutbound();
      while (!engine.isOutboundDone() && wrap(EMPTY) > 0) {
        // the alert, then close_notify
      }
      sendNet();
    } catch (IOException | RuntimeException ignored) {
      // the handshake failed anyway; the exception says why
    }
  }

  // ---- reading (readLock held)

  /**
   * Decrypts what arrived, reading from the socket below when no whole record is there; returns
   * false at the end of the input. With {@code handshaking}, one step is enough.
   */
  private boolean unwrapSome(boolean handshaking) throws IOException {
    // in a handshake the engine may hold a failure to report before anything more arrives
    boolean first = handshaking;
    while (true) {
      if (inNet.position() > inNetStart || first || plaintextHeld) {
        first = false;
        plaintextHeld = false;
        int end = inNet.position();
        inNet.flip().position(inNetStart);
        SSLEngineResult result;
        try {
          result = engine.unwrap(inNet, inApp);
        } finally {
          inNetStart = inNet.position();
          inNet.limit(inNet.capacity()).position(end);
          if (inNetStart == end) {
            inNet.clear();
            inNetStart = 0;
          }
        }
        if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
          handshakeFinished = true;
          if (handshaking) {
            return true;
          }
        }
        var status = result.getStatus();
        if (status == SSLEngineResult.Status.CLOSED && !engine.isInboundDone()) {
          status = SSLEngineResult.Status.OK; // BoringSSL's engine says CLOSED once this end's output is shut
        }
        switch (status) {
          case OK -> {
            afterUnwrap(result.getHandshakeStatus());
            if (handshaking) {
              return true;
            }
            if (decrypted() > 0 && (recordByRecord || inNet.position() == inNetStart
                || inApp.remaining() < applicationSize)) {
              return true;
            }
            continue; // more whole records may be waiting, or that one held no data (ticket, key update)
          }
          case BUFFER_OVERFLOW -> {
            plaintextHeld = true; // the engine may hold decrypted bytes that did not fit
            if (decrypted() > 0) {
              return true;
            }
            inApp = grow(inApp, applicationSize);
            continue;
          }
          case CLOSED -> {
            inputDone = true;
            return decrypted() > 0;
          }
          case BUFFER_UNDERFLOW -> {
            if (decrypted() > 0 && !handshaking) {
              return true;
            }
            if (!inNet.hasRemaining() && inNetStart == 0) {
              inNet = grow(inNet, packetSize);
            }
          }
          default -> throw new SSLException("unexpected engine status " + result.getStatus());
        }
      }
      if (readNet() < 0) {
        inputDone = true;
        return false;
      }
    }
  }

  /** Reads what the socket below has into {@link #inNet} (blocking); -1 at its end. */
  private int readNet() throws IOException {
    if (inNetStart > 0) {
      // the part of a record that is left goes to the front (all else was decrypted)
      inNet.flip().position(inNetStart);
      inNet.compact();
      inNetStart = 0;
    }
    if (!inNet.isDirect()) {
      int n = netIn.read(inNet.array(), inNet.arrayOffset() + inNet.position(), inNet.remaining());
      if (n > 0) {
        inNet.position(inNet.position() + n);
      }
      return n;
    }
    if (soTimeout == 0) {
      return channel.read(inNet);
    }
    // a channel's own reads know no timeout: those go through the socket's stream
    var heap = staging(inNet.remaining());
    int n = netIn.read(heap, 0, inNet.remaining());
    if (n > 0) {
      inNet.put(heap, 0, n);
    }
    return n;
  }

  private byte[] staging(int atLeast) {
    if (staging == null || staging.length < atLeast) {
      staging = new byte[Math.max(atLeast, READ_BYTES)];
    }
    return staging;
  }

  private ByteBuffer allocate(int capacity) {
    return channel != null ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
  }

  private void afterUnwrap(HandshakeStatus status) throws IOException {
    if (status == HandshakeStatus.NEED_TASK) {
      runTasks();
      status = engine.getHandshakeStatus();
    }
    if (status == HandshakeStatus.NEED_WRAP && !engine.isOutboundDone()) {
      // a post-handshake answer (key update); the writer may hold the lock only while sending
      writeLock.lock();
      try {
        wrap(EMPTY);
        sendNet();
      } finally {
        writeLock.unlock();
      }
    }
  }

  private int read(byte[] b, int off, int len) throws IOException {
    return read(ByteBuffer.wrap(b, off, len));
  }

  private int read(ByteBuffer dst) throws IOException {
    if (!dst.hasRemaining()) {
      return 0;
    }
    readLock.lock();
    try {
      while (decrypted() == 0) {
        if (inputDone || closed || !unwrapSome(false) && decrypted() == 0) {
          return -1;
        }
      }
      int n = Math.min(dst.remaining(), decrypted());
      dst.put(dst.position(), inApp, inAppStart, n).position(dst.position() + n);
      inAppStart += n;
      if (inAppStart == inApp.position()) {
        inApp.clear();
        inAppStart = 0;
      }
      return n;
    } finally {
      readLock.unlock();
    }
  }

  /** Decrypted bytes not yet read (read lock held). */
  private int decrypted() {
    return inApp.position() - inAppStart;
  }

  private int available() {
    readLock.lock();
    try {
      return decrypted();
    } finally {
      readLock.unlock();
    }
  }

  // ---- writing (writeLock held)

  /** Encrypts one record of {@code src} into the outgoing buffer (sending it first if full); the plaintext taken. */
  private int wrap(ByteBuffer src) throws IOException {
    while (true) {
      var result = engine.wrap(src, outNet);
      if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
        handshakeFinished = true;
      }
      switch (result.getStatus()) {
        case OK -> {
          if (result.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            runTasks();
          }
          return result.bytesConsumed() + result.bytesProduced();
        }
        case BUFFER_OVERFLOW -> {
          if (outNet.position() > 0) {
            sendNet();
          } else {
            outNet = grow(outNet, packetSize);
          }
        }
        case CLOSED -> {
          if (result.bytesProduced() > 0) {
            return result.bytesProduced();
          }
          throw new SocketException("the TLS connection is closed");
        }
        default -> throw new SSLException("unexpected engine status " + result.getStatus());
      }
    }
  }

  private void sendNet() throws IOException {
    if (outNet.position() == 0) {
      return;
    }
    outNet.flip();
    if (outNet.isDirect()) {
      while (outNet.hasRemaining()) {
        channel.write(outNet);
      }
    } else {
      netOut.write(outNet.array(), outNet.arrayOffset(), outNet.limit());
      netOut.flush();
    }
    outNet.clear();
  }

  /** Encrypts and sends all remaining bytes of {@code src}, in records of at most {@code maxRecordPlaintext}. */
  private void write(ByteBuffer src) throws IOException {
    writeLock.lock();
    try {
      if (outputShut || closed) {
        throw new SocketException("the TLS connection is closed for writing");
      }
      int limit = src.limit();
      while (src.hasRemaining()) {
        src.limit(src.position() + Math.min(src.remaining(), maxRecordPlaintext)); // one record
        wrap(src);
        src.limit(limit);
        if (outNet.remaining() < packetSize) {
          sendNet();
        }
      }
      sendNet();
    } finally {
      writeLock.unlock();
    }
  }

  private void runTasks() {
    // BoringSSL's engine hands out a task as long as it waits for one: run them until it waits no more
    Runnable task;
    while (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK && (task = engine.getDelegatedTask()) != null) {
      task.run();
    }
  }

  private static ByteBuffer grow(ByteBuffer buffer, int atLeast) {
    int capacity = Math.max(buffer.capacity() * 2, buffer.position() + atLeast);
    var bigger = buffer.isDirect() ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    buffer.flip();
    return bigger.put(buffer);
  }

  // ---- Socket

  @Override
  public InputStream getInputStream() {
    return input;
  }

  @Override
  public OutputStream getOutputStream() {
    return output;
  }

  /**
   * Sends close_notify: the other end reads the end of the stream. Reading here goes on, but not
   * every engine keeps writing after it got the other end's close_notify (BoringSSL's does not):
   * callers use it to end a conversation, not as a TCP-like half close.
   */
  @Override
  public void shutdownOutput() throws IOException {
    writeLock.lock();
    try {
      if (outputShut || closed) {
        return;
      }
      outputShut = true;
      engine.closeOutbound();
      while (!engine.isOutboundDone() && wrap(EMPTY) > 0) {
        // close_notify
      }
      sendNet();
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void shutdownInput() throws IOException {
    inputDone = true;
  }

  /**
   * Sends close_notify if no write is under way, closes the socket below, and frees the engine.
   * Never waits for a blocked reader or writer: closing the socket below ends their calls.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    if (writeLock.tryLock()) {
      try {
        if (!outputShut && !under.isClosed()) {
          outputShut = true;
          engine.closeOutbound();
          while (!engine.isOutboundDone() && wrap(EMPTY) > 0) {
            // close_notify
          }
          sendNet();
        }
      } catch (IOException | RuntimeException ignored) {
        // closing anyway
      } finally {
        writeLock.unlock();
      }
    }
    closed = true;
    try {
      under.close();
    } finally {
      release();
    }
  }

  /** Frees a native engine once neither a reader nor a writer can be inside it. */
  private void release() {
    if (!(engine instanceof ReferenceCounted counted)) {
      return;
    }
    readLock.lock();
    writeLock.lock();
    try {
      if (counted.refCnt() > 0) {
        counted.release();
      }
    } finally {
      writeLock.unlock();
      readLock.unlock();
    }
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    under.setSoTimeout(timeout);
    soTimeout = timeout;
  }

  @Override
  public boolean isClosed() {
    return closed || under.isClosed();
  }

  @Override
  public boolean isInputShutdown() {
    return inputDone;
  }

  @Override
  public boolean isOutputShutdown() {
    return outputShut;
  }

  @Override
  public String toString() {
    return "TLS(" + engine.getClass().getSimpleName() + ") over " + under;
  }

  private final class Input extends InputStream implements BufferSource {
    private final byte[] one = new byte[1];

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return EngineSocket.this.read(dst);
    }

    @Override
    public int read() throws IOException {
      return EngineSocket.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      return EngineSocket.this.read(b, off, len);
    }

    @Override
    public int available() {
      return EngineSocket.this.available();
    }

    @Override
    public void close() throws IOException {
      EngineSocket.this.close();
    }
  }

  private final class Output extends OutputStream implements BufferSink {
    @Override
    public void write(int b) throws IOException {
      EngineSocket.this.write(ByteBuffer.wrap(new byte[] {(byte) b}));
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      EngineSocket.this.write(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
      EngineSocket.this.write(src);
    }

    @Override
    public boolean prefersDirect() {
      return channel != null;
    }

    @Override
    public void close() throws IOException {
      EngineSocket.this.close();
    }
  }
}
