package dev.outpost.transport.session.impl;

import dev.outpost.transport.session.SessionException;
import dev.outpost.transport.session.SessionOptions;
import dev.outpost.transport.session.SessionStream;
import dev.outpost.transport.session.StreamEvent;
import dev.outpost.transport.session.StreamRefusedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * One stream of a {@link Mux}. Flow control per stream: the receiver lets the sender have
 * {@code window} bytes in flight; the sender's credit shrinks with each DATA frame and grows by
 * the WINDOW frames the receiver sends once its consumer took half a window. So the reader thread
 * only ever appends to a buffer of at most one window, and a consumer that does not keep up stops
 * its own sender, nobody else.
 *
 * <p>The window starts at the session's ({@link SessionOptions#window()}, announced in HELLO) and
 * doubles, by granting more than was read, when the window rather than the consumer limits the
 * stream: half a window read in less than two round trips (at least {@link #GROWTH_EPOCH_FLOOR})
 * with at most a quarter window waiting. It grows to {@link SessionOptions#MAX_WINDOW} at most,
 * and all streams of a session together by {@link Mux#WINDOW_GROWTH_BUDGET}, given back when a
 * stream ends. A stream held back by a slow consumer keeps its window; one held back by a bandwidth
 * limit grows to no more than about four round trips (at least 20 ms) of its rate, so the bytes
 * queued ahead of other streams stay few.
 */
final class MuxStream implements SessionStream {
  private static final String CLOSED = "closed";
  /**
   * Half a window read faster than this (or two round trips, if longer) grows the window: scheduling
   * delays on a busy host stretch the credit's way back beyond the measured round trip.
   */
  static final long GROWTH_EPOCH_FLOOR = TimeUnit.MILLISECONDS.toNanos(10);
  /**
   * A stream's DATA in the session's queue at most (and one frame more): however large its window,
   * a busy stream keeps only this much ahead of other streams' frames at this end.
   */
  static final int QUEUE_LIMIT = 1024 * 1024;

  private final Mux mux;
  private final int id;
  private final String target;
  private int window;
  /** How much of the session's growth budget this stream's window took. */
  private int grown;
  /** When the last credit was given back (or the stream began). */
  private long epochStart = System.nanoTime();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** DATA frames received and not yet read, in order; their payloads go back to the pool once read. */
  private final ArrayDeque<Frame> inbound = new ArrayDeque<>();
  private final In input = new In();
  private final Out output = new Out();
  private boolean opened;
  private String refusal;
  private int headOffset;
  private int buffered;
  private int receiveWindow;
  private int consumedUnacked;
  private boolean finReceived;
  private boolean finSent;
  private long sendCredit;
  /** DATA bytes of this stream in the session's queue, not yet written to the connection. */
  private int queued;
  /** Set once the stream is over: {@link #CLOSED} after both FINs, otherwise why it was reset or refused. */
  private String endReason;
  private Socket attached;
  private volatile long bytesSent;
  private volatile long bytesReceived;

  MuxStream(Mux mux, int id, String target) {
    this.mux = mux;
    this.id = id;
    this.target = target;
    this.window = mux.options.window();
    this.receiveWindow = window;
    this.sendCredit = mux.peerWindow();
  }

  // ---- frames from the other end (reader thread)

  void onFrame(Frame frame) throws MuxProtocolException {
    switch (frame.type()) {
      case Frame.DATA -> onData(frame);
      case Frame.FIN -> onFin(frame);
      case Frame.WINDOW -> onWindow(frame);
      default -> throw new IllegalArgumentException("not a stream frame: " + frame);
    }
  }

  private void onData(Frame data) throws MuxProtocolException {
    int length = data.length();
    boolean kept = false;
    lock.lock();
    try {
      if (!opened) {
        throw new MuxProtocolException("DATA on stream " + id + " before it was opened");
      }
      if (finReceived) {
        throw new MuxProtocolException("DATA on stream " + id + " after its FIN");
      }
      if (length > receiveWindow) {
        throw new MuxProtocolException("stream " + id + " sent " + length + " bytes with only " + receiveWindow
            + " bytes of window left");
      }
      receiveWindow -= length;
      bytesReceived += length;
      if (endReason == null && length > 0) {
        inbound.add(data);
        kept = true;
        buffered += length;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
      if (!kept) {
        data.release();
      }
    }
  }

  private void onFin(Frame frame) throws MuxProtocolException {
    if (frame.length() != 0) {
      throw new MuxProtocolException("FIN on stream " + id + " with a payload");
    }
    boolean done;
    lock.lock();
    try {
      if (!opened) {
        throw new MuxProtocolException("FIN on stream " + id + " before it was opened");
      }
      if (finReceived) {
        throw new MuxProtocolException("a second FIN on stream " + id);
      }
      finReceived = true;
      changed.signalAll();
      done = finishIfDone();
    } finally {
      lock.unlock();
    }
    if (done) {
      finished();
    }
  }

  private void onWindow(Frame frame) throws MuxProtocolException {
    if (frame.length() != 4) {
      throw new MuxProtocolException("WINDOW on stream " + id + " of " + frame.length() + " bytes; 4 expected");
    }
    int credit = frame.payload().getInt(0);
    if (credit <= 0) {
      throw new MuxProtocolException("WINDOW of " + Integer.toUnsignedString(credit) + " on stream " + id
          + "; 1 to " + Integer.MAX_VALUE + " allowed");
    }
    lock.lock();
    try {
      if (sendCredit + credit > Integer.MAX_VALUE) {
        throw new MuxProtocolException("WINDOW on stream " + id + " raises its credit above " + Integer.MAX_VALUE);
      }
      sendCredit += credit;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void onReset(String reason) {
    end("reset by the " + mux.other() + ": " + reason, null);
  }

  /** OPENED or REFUSED for this stream (operator end). */
  void onAnswer(Frame frame) throws MuxProtocolException {
    var reason = frame.type() == Frame.REFUSED ? Mux.text(frame) : null;
    if (reason == null && frame.length() != 0) {
      throw new MuxProtocolException("OPENED on stream " + id + " with a payload");
    }
    lock.lock();
    try {
      if (opened) {
        throw new MuxProtocolException(Frame.name(frame.type()) + " for stream " + id + ", which was opened already");
      }
      if (reason == null) {
        opened = true;
        changed.signalAll();
      } else {
        refusal = reason;
      }
    } finally {
      lock.unlock();
    }
    if (reason == null) {
      mux.tell(l -> l.streamOpened(event(null)));
    } else {
      end(reason, null);
    }
  }

  /** The session ended: the stream ends at once, its socket is closed. */
  void terminate(String reason) {
    end(reason, null);
  }

  // ---- device end

  /** The target is connected: tell the operator; false if the stream ended meanwhile. */
  boolean accept(Socket connected) {
    lock.lock();
    try {
      if (endReason != null) {
        return false;
      }
      opened = true;
      attached = connected;
      mux.send(Frame.empty(Frame.OPENED, id), false);
    } finally {
      lock.unlock();
    }
    mux.activity();
    mux.tell(l -> l.streamOpened(event(null)));
    return true;
  }

  /** The target is not connected: tell the operator why. */
  void refuse(String reason) {
    end(reason, new Frame(Frame.REFUSED, id, Mux.text(reason)));
  }

  // ---- operator end

  /** Waits for OPENED; a refusal, the end of the session or the timeout become exceptions. */
  void awaitOpened(Duration timeout) {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (!opened && endReason == null && nanos > 0) {
        nanos = changed.awaitNanos(nanos);
      }
      if (refusal != null) {
        throw new StreamRefusedException(target, refusal);
      }
      if (opened) {
        return;
      }
      if (endReason != null) {
        throw new SessionException("stream to " + target + " not opened: " + endReason);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lock.unlock();
      reset("interrupted while opening");
      throw new SessionException("interrupted while opening a stream to " + target);
    } finally {
      if (lock.isHeldByCurrentThread()) {
        lock.unlock();
      }
    }
    var reason = "no answer from the " + mux.other() + " within " + Mux.human(timeout);
    reset(reason);
    throw new SessionException("stream to " + target + " not opened: " + reason);
  }

  // ---- ending

  /** Under the lock: whether both sides just ended normally (then the caller calls {@link #finished()}). */
  private boolean finishIfDone() {
    if (endReason == null && finSent && finReceived) {
      endReason = CLOSED;
      return true;
    }
    return false;
  }

  private void finished() {
    released();
    mux.tell(l -> l.streamClosed(event(CLOSED)));
  }

  /** Ends the stream once for {@code reason}, sending {@code frame} (RESET or REFUSED) if given. */
  private void end(String reason, Frame frame) {
    Socket toClose;
    boolean wasOpened;
    lock.lock();
    try {
      if (endReason != null) {
        return;
      }
      endReason = reason;
      wasOpened = opened;
      inbound.forEach(Frame::release);
      inbound.clear();
      buffered = 0;
      toClose = attached;
      changed.signalAll();
      if (frame != null) {
        mux.send(frame, false);
      }
    } finally {
      lock.unlock();
    }
    released();
    Mux.quietly(toClose);
    var event = event(reason);
    mux.tell(wasOpened ? l -> l.streamClosed(event) : l -> l.streamRefused(event));
  }

  /** The session's writer wrote {@code length} bytes of this stream's DATA to the connection. */
  void written(int length) {
    lock.lock();
    try {
      queued -= length;
      if (queued <= QUEUE_LIMIT / 2 && queued + length > QUEUE_LIMIT / 2) {
        changed.signalAll(); // a sender held back by the limit goes on, once half of it was written
      }
    } finally {
      lock.unlock();
    }
  }

  /** The stream leaves the session: its window growth goes back to the session's budget. */
  private void released() {
    mux.streams.remove(id, this);
    int extra;
    lock.lock();
    try {
      extra = grown;
      grown = 0;
    } finally {
      lock.unlock();
    }
    mux.giveWindowGrowth(extra);
  }

  private void reset(String reason) {
    end(reason, new Frame(Frame.RESET, id, Mux.text(reason)));
  }

  private StreamEvent event(String reason) {
    return new StreamEvent(id, target, bytesSent, bytesReceived, reason);
  }

  private IOException ended() {
    return new IOException("stream " + id + " to " + target + " " + (CLOSED.equals(endReason) ? "is closed"
        : "ended: " + endReason));
  }

  // ---- SessionStream

  @Override
  public int id() {
    return id;
  }

  @Override
  public String target() {
    return target;
  }

  @Override
  public InputStream input() {
    return input;
  }

  @Override
  public OutputStream output() {
    return output;
  }

  @Override
  public long bytesSent() {
    return bytesSent;
  }

  @Override
  public long bytesReceived() {
    return bytesReceived;
  }

  @Override
  public void close() {
    reset("closed by the " + mux.side.end());
  }

  /** Ties {@code socket} to the stream, so that it is closed when the stream ends; false (and closed) if it ended already. */
  boolean attach(Socket socket) {
    lock.lock();
    try {
      if (endReason == null) {
        attached = socket;
        return true;
      }
    } finally {
      lock.unlock();
    }
    Mux.quietly(socket);
    return false;
  }

  @Override
  public void pipe(Socket local) throws IOException {
    Objects.requireNonNull(local, "local");
    if (!attach(local)) {
      throw ended();
    }
    try {
      local.setTcpNoDelay(true);
    } catch (IOException ignored) {
      // not TCP, or already closed: the copying below says so
    }
    var upstream = new CountDownLatch(1);
    try {
      mux.workers.execute(() -> {
        try {
          up(local);
        } finally {
          upstream.countDown();
        }
      });
    } catch (RejectedExecutionException e) {
      terminate("session ending");
      throw ended();
    }
    try {
      down(local);
      upstream.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reset("interrupted");
      throw new InterruptedIOException("interrupted while piping stream " + id);
    } finally {
      Mux.quietly(local);
    }
  }

  private String localName() {
    return mux.side == Mux.Side.DEVICE ? "target " + target : "local connection";
  }

  /** Local socket to the other end, until the local side ends (FIN) or fails (reset). */
  private void up(Socket local) {
    Thread.currentThread().setName(mux.name + "-stream-" + id + "-up");
    var buffer = Payloads.take();
    try {
      var in = readable(local);
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (n > 0 && output.handOver(buffer, n)) {
          buffer = Payloads.take();
        } else {
          buffer.clear();
        }
      }
      Payloads.give(buffer);
      output.close();
    } catch (IOException e) {
      reset(localName() + " failed: " + e.getMessage());
    }
  }

  /** What reads the local socket into a payload buffer: its channel, in place, if a channel made it; else its stream. */
  private static ReadableByteChannel readable(Socket local) throws IOException {
    return local.getChannel() != null ? local.getChannel() : Channels.newChannel(local.getInputStream());
  }

  /** The other end to the local socket, until the other end ends (half close passed on) or fails. */
  private void down(Socket local) {
    try {
      input.writeTo(local.getChannel() != null ? local.getChannel() : Channels.newChannel(local.getOutputStream()));
      local.shutdownOutput();
    } catch (IOException e) {
      reset(localName() + " failed: " + e.getMessage());
    }
  }

  private int underLock(IntSupplier read) {
    lock.lock();
    try {
      return read.getAsInt();
    } finally {
      lock.unlock();
    }
  }

  /** This stream's DATA bytes in the session's queue now (tests). */
  int queued() {
    return underLock(() -> queued);
  }

  /** The receive window now (tests). */
  int window() {
    return underLock(() -> window);
  }

  /** Buffered bytes not yet read (tests: at most one window). */
  int buffered() {
    return underLock(() -> buffered);
  }

  private final class In extends InputStream {
    @Override
    public int read() throws IOException {
      var one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      int copied = 0;
      int grant;
      lock.lock();
      try {
        if (!awaitBytes()) {
          return -1;
        }
        while (copied < len && buffered > 0) {
          var head = inbound.peek();
          int n = Math.min(len - copied, head.length() - headOffset);
          head.payload().get(headOffset, b, off + copied, n);
          copied += n;
          headOffset += n;
          buffered -= n;
          if (headOffset == head.length()) {
            inbound.poll();
            head.release();
            headOffset = 0;
          }
        }
        grant = consumed(copied);
      } finally {
        lock.unlock();
      }
      grant(grant);
      return copied;
    }

    /**
     * Writes each received payload straight to {@code out} (no copy in between) until the other
     * end's FIN; the bytes being written count as read once they are out. Each payload's buffer
     * goes back to the pool when {@code out.write} returns: {@code out} must not keep it (a
     * socket channel does not).
     */
    long writeTo(WritableByteChannel out) throws IOException {
      long total = 0;
      while (true) {
        Frame head;
        int from;
        lock.lock();
        try {
          if (!awaitBytes()) {
            return total;
          }
          head = inbound.poll();
          from = headOffset;
          headOffset = 0;
          buffered -= head.length() - from;
        } finally {
          lock.unlock();
        }
        int n = head.length() - from;
        var bytes = head.payload().limit(head.length()).position(from);
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
        head.release();
        total += n;
        int grant;
        lock.lock();
        try {
          grant = endReason == null ? consumed(n) : 0;
        } finally {
          lock.unlock();
        }
        grant(grant);
      }
    }

    /** Under the lock: waits for bytes; false at the other end's FIN, an exception if the stream ended otherwise. */
    private boolean awaitBytes() throws IOException {
      try {
        while (buffered == 0 && !finReceived && endReason == null) {
          changed.await();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading stream " + id);
      }
      if (endReason != null && !CLOSED.equals(endReason)) {
        throw ended();
      }
      return buffered > 0;
    }

    /** Under the lock: counts {@code n} bytes as read; the credit to give back now (0: not yet, or no more after FIN). */
    private int consumed(int n) {
      if (finReceived) {
        return 0;
      }
      consumedUnacked += n;
      if (consumedUnacked < window / 2) {
        return 0;
      }
      int grant = consumedUnacked + grow();
      consumedUnacked = 0;
      receiveWindow += grant;
      return grant;
    }

    /** Under the lock, as credit goes back: the bytes the window grows by now (see the class comment). */
    private int grow() {
      long now = System.nanoTime();
      long epoch = now - epochStart;
      epochStart = now;
      long roundTrip = mux.roundTripNanos();
      if (roundTrip == 0 || window >= SessionOptions.MAX_WINDOW || buffered > window / 4
          || epoch >= Math.max(2 * roundTrip, GROWTH_EPOCH_FLOOR)) {
        return 0;
      }
      int extra = mux.takeWindowGrowth(Math.min(window, SessionOptions.MAX_WINDOW - window));
      window += extra;
      grown += extra;
      return extra;
    }

    private void grant(int credit) {
      if (credit > 0) {
        mux.send(new Frame(Frame.WINDOW, id, ByteBuffer.allocate(4).putInt(credit).array()), true);
      }
    }

    @Override
    public int available() {
      return buffered();
    }
  }

  private final class Out extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      sendAll(ByteBuffer.wrap(b), off, len);
    }

    private void sendAll(ByteBuffer b, int off, int len) throws IOException {
      while (len > 0) {
        int n = send(b, off, len, false);
        off += n;
        len -= n;
      }
    }

    /**
     * Sends the first {@code length} bytes of a {@link Payloads pooled} buffer: true if the buffer
     * went as it is (the session owns it now), false if the credit cut it and its bytes went as
     * copies (the caller keeps it).
     */
    boolean handOver(ByteBuffer pooled, int length) throws IOException {
      int sent = send(pooled, 0, length, true);
      if (sent == length) {
        return true;
      }
      sendAll(pooled, sent, length - sent);
      return false;
    }

    /**
     * Sends what the credit allows of the bytes at {@code [off, off + len)} of {@code b} (waiting
     * for some) as one DATA frame, and returns how many bytes that was. With {@code whole}, an
     * {@code off} of 0, and all of it allowed, {@code b} itself is the payload; otherwise a pooled copy.
     */
    private int send(ByteBuffer b, int off, int len, boolean whole) throws IOException {
      lock.lock();
      try {
        while ((sendCredit == 0 || queued >= QUEUE_LIMIT) && endReason == null && !finSent) {
          // (held back by the limit, it wakes once half of it was written)
          changed.await();
        }
        if (endReason != null) {
          throw ended();
        }
        if (finSent) {
          throw new IOException("the output of stream " + id + " to " + target + " is closed");
        }
        int n = (int) Math.min(Math.min(len, sendCredit), Frame.MAX_PAYLOAD);
        ByteBuffer payload;
        if (whole && off == 0 && n == len) {
          payload = b;
        } else {
          payload = Payloads.take().put(0, b, off, n);
        }
        if (!mux.sendData(id, payload, n)) {
          throw new IOException("stream " + id + " to " + target + ": the session is ending");
        }
        sendCredit -= n;
        queued += n;
        bytesSent += n;
        return n;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while writing stream " + id);
      } finally {
        lock.unlock();
      }
    }

    /** Half close: a FIN to the other end; reading goes on. */
    @Override
    public void close() {
      boolean done;
      lock.lock();
      try {
        if (finSent || endReason != null) {
          return;
        }
        finSent = true;
        mux.send(Frame.empty(Frame.FIN, id), false);
        changed.signalAll();
        done = finishIfDone();
      } finally {
        lock.unlock();
      }
      if (done) {
        finished();
      }
    }
  }
}
