package dev.outpost.transport.session.impl;

import dev.outpost.crypto.PeerIdentity;
import dev.outpost.transport.session.Session;
import dev.outpost.transport.session.SessionException;
import dev.outpost.transport.session.SessionListener;
import dev.outpost.transport.session.SessionOptions;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multiplexer both ends run over the end-to-end channel: one reader thread that parses and
 * checks every frame and never blocks on anything but the connection, one writer thread that sends
 * queued frames (keepalive and window frames ahead of the rest), a timer tick for keepalive and
 * idle timeout, and worker threads for the streams. The reader never waits for a stream's
 * consumer: each stream buffers at most its window, so a slow stream never holds up the others.
 */
public abstract class Mux implements Session {
  static final int VERSION = 1;
  static final int MAX_REASON_BYTES = 1024;
  private static final int HELLO_BYTES = 5;
  private static final int PING_BYTES = 8;
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(1);
  /** Bytes of receive window that the streams of one session may grow by together, beyond their first window. */
  static final int WINDOW_GROWTH_BUDGET = 32 * 1024 * 1024;
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final Logger LOG = LoggerFactory.getLogger(Mux.class);

  /** Which end this is; names used in reasons ("the operator end closed the session"). */
  public enum Side {
    OPERATOR, DEVICE;

    String end() {
      return this == OPERATOR ? "operator end" : "device end";
    }
  }

  final String name;
  final Side side;
  final SessionOptions options;
  final ExecutorService workers;
  final Map<Integer, MuxStream> streams = new ConcurrentHashMap<>();
  private final Socket socket;
  private final Socket raw;
  private final PeerIdentity peer;
  private final SessionListener listener;
  private final FrameReader reader;
  private final FrameWriter writer;
  private final CompletableFuture<Void> hello = new CompletableFuture<>();
  private final AtomicReference<String> closeReason = new AtomicReference<>();
  /** Reader and writer still running; the connection is closed when both are done (or after the grace). */
  private final AtomicInteger ioThreads = new AtomicInteger(2);
  private final LongAdder sent = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final ReentrantLock queueLock = new ReentrantLock();
  private final Condition queueChanged = queueLock.newCondition();
  private final ArrayDeque<Frame> urgent = new ArrayDeque<>();
  private final ArrayDeque<Frame> ordered = new ArrayDeque<>();
  private boolean stopping;
  private volatile boolean helloSeen;
  private volatile int peerWindow;
  private volatile long lastReceived;
  private volatile long lastActivity;
  private volatile long lastPing;
  private volatile ScheduledFuture<?> tick;
  /** Smoothed round trip of PING to PONG; 0 until the first PONG. */
  private volatile long roundTripNanos;
  private final AtomicInteger windowGrowthLeft = new AtomicInteger(WINDOW_GROWTH_BUDGET);

  /**
   * @param socket what frames are read from and written to (the TLS socket; a plain one in tests)
   * @param raw the connection under it, closed to end everything at once
   */
  Mux(Side side, Socket socket, Socket raw, PeerIdentity peer, SessionOptions options, SessionListener listener)
      throws IOException {
    this.name = "outpost-session-" + SEQUENCE.incrementAndGet() + "-" + side.name().toLowerCase(java.util.Locale.ROOT);
    this.side = side;
    this.socket = socket;
    this.raw = raw;
    this.peer = peer;
    this.options = options;
    this.listener = listener == null ? SessionListener.NONE : listener;
    this.reader = new FrameReader(socket.getInputStream());
    this.writer = new FrameWriter(socket.getOutputStream());
    this.workers = SessionThreads.workers(name + "-worker");
    long now = System.nanoTime();
    this.lastReceived = now;
    this.lastActivity = now;
    this.lastPing = now;
  }

  /** Greets the other end and waits for its greeting; on failure the session is closed and the exception says why. */
  final void start() {
    var greeting = ByteBuffer.allocate(HELLO_BYTES).put((byte) VERSION).putInt(options.window()).array();
    send(new Frame(Frame.HELLO, 0, greeting), false);
    SessionThreads.start(name + "-writer", this::writeLoop);
    SessionThreads.start(name + "-reader", this::readLoop);
    var timeout = options.handshakeTimeout();
    try {
      hello.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      var reason = "no greeting from the " + other() + " within " + human(timeout);
      close(reason, true);
      throw new SessionException(reason);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof SessionException s ? s : new SessionException(e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close("interrupted while greeting", true);
      throw new SessionException("interrupted while greeting the " + other());
    }
    // the first round trip, which the streams' windows grow by; behind HELLO, which urgent frames would overtake
    ping(System.nanoTime(), false);
    long period = Math.max(10, Math.min(1000,
        Math.min(options.keepaliveInterval().toMillis(), options.idleTimeout().toMillis()) / 4));
    tick = SessionThreads.TIMER.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    if (!isOpen()) {
      tick.cancel(false);
      throw new SessionException(closeReason.get());
    }
  }

  /** The stream window the other end gave in its greeting: each new stream's initial send credit. */
  final int peerWindow() {
    return peerWindow;
  }

  final String other() {
    return side == Side.OPERATOR ? Side.DEVICE.end() : Side.OPERATOR.end();
  }

  // ---- reading

  private void readLoop() {
    try {
      Frame frame;
      while ((frame = reader.read()) != null) {
        lastReceived = System.nanoTime();
        if (closeReason.get() == null) {
          handle(frame);
        }
      }
      close("the " + other() + " ended the connection without closing the session", false);
    } catch (MuxProtocolException e) {
      close("protocol error: " + e.getMessage(), true);
      try {
        reader.drain();
      } catch (IOException ignored) {
        // the connection is going anyway
      }
    } catch (IOException | RuntimeException e) {
      close(lost(e), false);
    } finally {
      ioThreadDone();
    }
  }

  private void ioThreadDone() {
    if (ioThreads.decrementAndGet() == 0) {
      closeSockets();
    }
  }

  private String lost(Exception e) {
    var message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (!helloSeen && e instanceof SSLException) {
      return "the " + other() + " ended the TLS session: " + message
          + (message.toLowerCase(java.util.Locale.ROOT).contains("certificate") ? " (it did not accept this end's certificate)" : "");
    }
    return "connection to the " + other() + " lost: " + message;
  }

  private void handle(Frame frame) throws MuxProtocolException {
    if (!helloSeen) {
      onHello(frame);
      return;
    }
    switch (frame.type()) {
      case Frame.HELLO -> throw new MuxProtocolException("a second HELLO");
      case Frame.PING -> {
        requireSession(frame, PING_BYTES);
        send(new Frame(Frame.PONG, 0, frame.content()), true);
      }
      case Frame.PONG -> {
        requireSession(frame, PING_BYTES);
        onPong(frame.payload().getLong(0));
      }
      case Frame.OPEN -> {
        requireStream(frame);
        activity();
        onOpen(frame);
      }
      case Frame.OPENED, Frame.REFUSED -> {
        requireStream(frame);
        onAnswer(frame);
      }
      case Frame.RESET -> {
        var reason = text(frame);
        if (frame.stream() == 0) {
          close("the " + other() + " closed the session: " + reason, false);
        } else {
          var stream = stream(frame);
          if (stream != null) {
            stream.onReset(reason);
          }
        }
      }
      default -> {
        requireStream(frame);
        var stream = stream(frame);
        if (stream != null) {
          if (frame.type() == Frame.DATA) {
            activity();
            received.add(frame.length());
          }
          stream.onFrame(frame);
        } else {
          frame.release(); // the stream ended here: its bytes are dropped
        }
      }
    }
  }

  private void onHello(Frame frame) throws MuxProtocolException {
    if (frame.type() != Frame.HELLO) {
      throw new MuxProtocolException("expected HELLO first, got " + frame);
    }
    requireSession(frame, HELLO_BYTES);
    int version = frame.payload().get(0) & 0xff;
    int window = frame.payload().getInt(1);
    if (version != VERSION) {
      throw new MuxProtocolException("the " + other() + " speaks version " + version + ", this end " + VERSION);
    }
    if (window < SessionOptions.MIN_WINDOW || window > SessionOptions.MAX_WINDOW) {
      throw new MuxProtocolException("stream window of " + Integer.toUnsignedString(window) + " bytes in HELLO; "
          + SessionOptions.MIN_WINDOW + " to " + SessionOptions.MAX_WINDOW + " allowed");
    }
    peerWindow = window;
    helloSeen = true;
    hello.complete(null);
  }

  /** The stream a frame is for; null if it ended here already; an error if it never existed. */
  final MuxStream stream(Frame frame) throws MuxProtocolException {
    var stream = streams.get(frame.stream());
    if (stream == null && !known(frame.stream())) {
      throw new MuxProtocolException(Frame.name(frame.type()) + " for stream " + frame.stream()
          + " that was never opened");
    }
    return stream;
  }

  private static void requireSession(Frame frame, int length) throws MuxProtocolException {
    if (frame.stream() != 0) {
      throw new MuxProtocolException(Frame.name(frame.type()) + " on stream " + frame.stream() + "; it belongs to stream 0");
    }
    if (frame.length() != length) {
      throw new MuxProtocolException(Frame.name(frame.type()) + " of " + frame.length() + " bytes; "
          + length + " expected");
    }
  }

  private static void requireStream(Frame frame) throws MuxProtocolException {
    if (frame.stream() == 0) {
      throw new MuxProtocolException(Frame.name(frame.type()) + " on stream 0; it needs a stream");
    }
  }

  static String text(Frame frame) throws MuxProtocolException {
    if (frame.length() > MAX_REASON_BYTES) {
      throw new MuxProtocolException(Frame.name(frame.type()) + " with a text of " + frame.length()
          + " bytes; at most " + MAX_REASON_BYTES);
    }
    return new String(frame.content(), StandardCharsets.UTF_8);
  }

  static byte[] text(String reason) {
    var cut = reason.length() > 300 ? reason.substring(0, 300) + "…" : reason;
    return cut.getBytes(StandardCharsets.UTF_8);
  }

  /** An OPEN arrived (only the device end accepts it). */
  abstract void onOpen(Frame frame) throws MuxProtocolException;

  /** An OPENED or REFUSED arrived (only the operator end accepts it). */
  abstract void onAnswer(Frame frame) throws MuxProtocolException;

  /** Whether stream {@code id} was ever opened in this session (frames for ended streams are dropped). */
  abstract boolean known(int id);

  // ---- writing

  /** Queues a frame; false if the session is ending. Urgent frames (window, keepalive) overtake stream frames. */
  final boolean send(Frame frame, boolean isUrgent) {
    queueLock.lock();
    try {
      if (stopping) {
        return false;
      }
      (isUrgent ? urgent : ordered).add(frame);
      queueChanged.signal();
      return true;
    } finally {
      queueLock.unlock();
    }
  }

  /**
   * Queues stream data, counted as sent: the first {@code length} bytes of a {@link Payloads pooled}
   * buffer, which the session owns from here on (it goes back to the pool once written).
   */
  final boolean sendData(int stream, ByteBuffer data, int length) {
    if (!send(new Frame(Frame.DATA, stream, data, length), false)) {
      return false;
    }
    sent.add(length);
    activity();
    return true;
  }

  private Frame next() throws InterruptedException {
    queueLock.lock();
    try {
      while (urgent.isEmpty() && ordered.isEmpty()) {
        if (stopping) {
          return null;
        }
        queueChanged.await();
      }
      return urgent.isEmpty() ? ordered.poll() : urgent.poll();
    } finally {
      queueLock.unlock();
    }
  }

  private boolean queueEmpty() {
    queueLock.lock();
    try {
      return urgent.isEmpty() && ordered.isEmpty();
    } finally {
      queueLock.unlock();
    }
  }

  private void writeLoop() {
    try {
      Frame frame;
      while ((frame = next()) != null) {
        writer.write(frame);
        frame.release();
        if (frame.type() == Frame.DATA) {
          var stream = streams.get(frame.stream());
          if (stream != null) {
            stream.written(frame.length());
          }
        }
        if (queueEmpty()) {
          writer.flush();
        }
      }
      writer.flush();
      socket.shutdownOutput();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | UnsupportedOperationException e) {
      if (helloSeen) {
        close("connection to the " + other() + " lost while sending: " + e.getMessage(), false);
      }
      // before the greeting the reader sees the same failure with the other end's alert, if any
    } finally {
      ioThreadDone();
    }
  }

  // ---- timers

  final void activity() {
    lastActivity = System.nanoTime();
  }

  private void tick() {
    if (!isOpen()) {
      var timer = tick;
      if (timer != null) {
        timer.cancel(false);
      }
      return;
    }
    long now = System.nanoTime();
    long keepalive = options.keepaliveInterval().toNanos();
    if (now - lastReceived > 3 * keepalive) {
      close("nothing heard from the " + other() + " for " + human(Duration.ofNanos(now - lastReceived)), true);
    } else if (now - lastActivity > options.idleTimeout().toNanos()) {
      close("idle for " + human(options.idleTimeout()) + " without stream traffic", true);
    } else if (now - lastPing >= keepalive) {
      ping(now, true);
    }
  }

  /** A PING carrying {@code now}, which its PONG brings back. */
  private void ping(long now, boolean isUrgent) {
    lastPing = now;
    send(new Frame(Frame.PING, 0, ByteBuffer.allocate(PING_BYTES).putLong(now).array()), isUrgent);
  }

  private void onPong(long sentAt) {
    long sample = System.nanoTime() - sentAt;
    if (sample <= 0 || sample > TimeUnit.MINUTES.toNanos(1)) {
      return; // not a PING of this end's
    }
    long smoothed = roundTripNanos;
    roundTripNanos = smoothed == 0 ? sample : (7 * smoothed + sample) / 8;
  }

  /** The smoothed round trip to the other end and back (ns); 0 while unknown. */
  final long roundTripNanos() {
    return roundTripNanos;
  }

  /** Takes up to {@code wanted} bytes of the session's window growth budget: what it got (0 once spent). */
  final int takeWindowGrowth(int wanted) {
    return Math.min(wanted, windowGrowthLeft.getAndUpdate(left -> left - Math.min(left, wanted)));
  }

  /** Gives back window growth a stream took, when it ends. */
  final void giveWindowGrowth(int bytes) {
    if (bytes > 0) {
      windowGrowthLeft.addAndGet(bytes);
    }
  }

  static String human(Duration duration) {
    long millis = duration.toMillis();
    if (millis < 1000) {
      return millis + " ms";
    }
    if (millis < 120_000) {
      return (millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.format(java.util.Locale.ROOT, "%.1f",
          millis / 1000.0)) + " s";
    }
    return duration.toMinutes() + " min";
  }

  // ---- ending

  /**
   * Ends the session once, for {@code reason}: streams end, the listener hears it, the writer sends
   * the goodbye (if {@code tellPeer}) and half-closes, and the connection is closed when the other
   * end closed its side or at the latest after a short grace.
   */
  final void close(String reason, boolean tellPeer) {
    if (!closeReason.compareAndSet(null, reason)) {
      return;
    }
    var timer = tick;
    if (timer != null) {
      timer.cancel(false);
    }
    queueLock.lock();
    try {
      urgent.clear();
      ordered.forEach(Frame::release);
      ordered.clear();
      if (tellPeer && helloSeen) {
        urgent.add(new Frame(Frame.RESET, 0, text(reason)));
      }
      stopping = true;
      queueChanged.signalAll();
    } finally {
      queueLock.unlock();
    }
    hello.completeExceptionally(new SessionException(reason));
    for (var stream : List.copyOf(streams.values())) {
      stream.terminate("session ended: " + reason);
    }
    streams.clear();
    workers.shutdown();
    LOG.debug("{} closed: {}", name, reason);
    tell(l -> l.sessionClosed(reason, sent.sum(), received.sum()));
    SessionThreads.TIMER.schedule(this::closeSockets, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void closeSockets() {
    quietly(raw);
    if (socket != raw) {
      quietly(socket);
    }
  }

  static void quietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception ignored) {
      // closing anyway
    }
  }

  /** Calls the listener, never letting it break the session. */
  final void tell(Consumer<SessionListener> call) {
    try {
      call.accept(listener);
    } catch (RuntimeException e) {
      LOG.warn("{}: session listener failed", name, e);
    }
  }

  /** The session's end as an exception for callers. */
  final SessionException closedException() {
    return new SessionException("the session is closed: " + closeReason.get());
  }

  // ---- Session

  @Override
  public PeerIdentity peer() {
    return peer;
  }

  @Override
  public long bytesSent() {
    return sent.sum();
  }

  @Override
  public long bytesReceived() {
    return received.sum();
  }

  @Override
  public int openStreams() {
    return streams.size();
  }

  @Override
  public Optional<String> closeReason() {
    return Optional.ofNullable(closeReason.get());
  }

  @Override
  public void close() {
    close("closed on request", true);
  }

  @Override
  public String toString() {
    return name + "(" + peer.uid() + (isOpen() ? ", open" : ", closed: " + closeReason.get()) + ")";
  }
}
