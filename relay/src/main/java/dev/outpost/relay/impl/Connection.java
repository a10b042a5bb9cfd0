package dev.outpost.relay.impl;

import dev.outpost.crypto.MachineKeys;
import dev.outpost.protocol.RelayWire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to the relay: TLS for its request lines, then, once paired, without the relay's
 * TLS, one end of a session whose bytes (the ends' own TLS records) it forwards to the other end
 * with backpressure and within the bandwidth. Event loop only.
 */
final class Connection {
  private static final Logger log = LoggerFactory.getLogger(Connection.class);
  /** Bytes an end may send after its JOIN line before it is paired (it should send none). */
  static final int MAX_EARLY_BYTES = 64 * 1024;

  enum Phase {
    /** Reading the request line, before the handshake deadline. */
    LINE,
    /** Sent at least one PING: more PINGs (or a JOIN) may follow, until idle. */
    PINGING,
    /** Joined, waiting for the other end; reading is paused. */
    WAITING,
    /** Paired: forwarding bytes to {@link #peer}. */
    PAIRED
  }

  private final RelayVerticle relay;
  /** Vert.x's server sockets are Netty connections; the relay uses their pipeline (messages as they come, leaving TLS). */
  final NetSocketInternal socket;
  private final Promise<Void> closedPromise = Promise.promise();
  Phase phase = Phase.LINE;
  private Buffer pendingLine = Buffer.buffer();
  private Buffer early;
  private long deadlineTimer = -1;
  long lastActivity;

  Session session;
  boolean operatorEnd;
  private Connection peer;
  /** Reading is paused until the peer's write queue drains. */
  private boolean waitingForDrain;
  /** Reading is paused until the bandwidth allows more. */
  private long throttleTimer = -1;
  /** Both ends were told PAIRED and this one's bytes go to the peer. */
  private boolean forwarding;

  private boolean closing;
  boolean closed;
  private long forceTimer = -1;
  private long forceAt;

  Connection(RelayVerticle relay, NetSocket socket) {
    this.relay = relay;
    this.socket = (NetSocketInternal) socket;
    this.lastActivity = System.nanoTime();
  }

  void start(long handshakeTimeoutMs) {
    // Netty's buffers as they come: once paired they go to the peer as they are, without the copy
    // into a fresh heap buffer that Vert.x makes of each one for handler()
    socket.messageHandler(this::receivedMessage);
    socket.closeHandler(v -> closed());
    socket.exceptionHandler(e -> log.debug("relay connection {}: {}", socket.remoteAddress(), e.toString()));
    deadlineTimer = relay.vertx().setTimer(handshakeTimeoutMs, id -> {
      deadlineTimer = -1;
      if (phase == Phase.LINE) {
        log.info("relay: no request line from {} within the handshake timeout", socket.remoteAddress());
        refuse(RelayWire.ERR_TIMEOUT);
      }
    });
  }

  /** Completes when the connection has closed. */
  Future<Void> closedFuture() {
    return closedPromise.future();
  }

  /** The key pin of the client's certificate, or null if it sent none. */
  String clientPin() {
    try {
      var chain = socket.peerCertificates();
      if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
        return null;
      }
      return MachineKeys.pin(leaf.getPublicKey());
    } catch (SSLPeerUnverifiedException e) {
      return null;
    } catch (RuntimeException e) {
      log.debug("relay: cannot pin the client certificate of {}: {}", socket.remoteAddress(), e.toString());
      return null;
    }
  }

  /** A message from the pipeline; this method owns it (releases it or hands it on). */
  private void receivedMessage(Object message) {
    if (!(message instanceof ByteBuf data)) {
      ReferenceCountUtil.release(message);
      return;
    }
    if (forwarding && !closing) {
      forward(data);
    } else {
      received(BufferInternal.safeBuffer(data)); // lines and early bytes: a copy, the original released
    }
  }

  private void received(Buffer data) {
    if (closing) {
      return;
    }
    switch (phase) {
      case LINE, PINGING -> readLines(data);
      case WAITING, PAIRED -> {
        // held until forwarding begins (PAIRED: told, the other end may not be yet)
        early = early == null ? data.copy() : early.appendBuffer(data);
        if (early.length() > MAX_EARLY_BYTES) {
          refuse(RelayWire.ERR_BAD_REQUEST);
        }
      }
    }
  }

  private void readLines(Buffer data) {
    pendingLine.appendBuffer(data);
    while (phase == Phase.LINE || phase == Phase.PINGING) {
      int newline = indexOfNewline(pendingLine, RelayWire.MAX_LINE_BYTES);
      if (newline < 0) {
        if (pendingLine.length() >= RelayWire.MAX_LINE_BYTES) {
          log.info("relay: request line from {} longer than {} bytes", socket.remoteAddress(), RelayWire.MAX_LINE_BYTES);
          refuse(RelayWire.ERR_BAD_REQUEST);
        }
        return;
      }
      String line = ascii(pendingLine, newline);
      pendingLine = pendingLine.getBuffer(newline + 1, pendingLine.length());
      if (!request(line)) {
        return;
      }
    }
  }

  /** Handles one request line; false if reading lines is over (joined or refused). */
  private boolean request(String line) {
    if (line == null || !line.startsWith(RelayWire.PREFIX)) {
      boolean otherVersion = line != null && line.startsWith(RelayWire.PROTOCOL);
      log.info("relay: {} from {}", otherVersion ? "request of another protocol version" : "bad request line",
          socket.remoteAddress());
      refuse(otherVersion ? RelayWire.ERR_VERSION : RelayWire.ERR_BAD_REQUEST);
      return false;
    }
    String request = line.substring(RelayWire.PREFIX.length());
    if (request.equals("PING")) {
      ping();
      return true;
    }
    if (request.startsWith("JOIN ") && RelayWire.isToken(request.substring("JOIN ".length()))) {
      cancelDeadline();
      early = pendingLine.length() == 0 ? null : pendingLine;
      pendingLine = null;
      relay.join(this, request.substring("JOIN ".length()));
      return false;
    }
    log.info("relay: bad request from {}", socket.remoteAddress());
    refuse(RelayWire.ERR_BAD_REQUEST);
    return false;
  }

  private void ping() {
    if (phase == Phase.LINE) {
      cancelDeadline();
      phase = Phase.PINGING;
      socket.drainHandler(v -> socket.resume());
    }
    lastActivity = System.nanoTime();
    socket.write(RelayWire.pong(relay.pairedSessions(), relay.relayConfig().maxSessions()) + "\n");
    if (socket.writeQueueFull()) {
      socket.pause();
    }
  }

  /** Joined with a token whose ticket is not here yet: reads nothing more until it is (or the refusal). */
  void holdForTicket() {
    socket.pause();
  }

  /** Joined: tells the end to wait, and holds its bytes until the other end is here. */
  void waitForPeer(Session joined, boolean isOperator) {
    session = joined;
    operatorEnd = isOperator;
    phase = Phase.WAITING;
    socket.write(RelayWire.WAIT + "\n");
    socket.pause();
  }

  /**
   * Paired: tells the end, and leaves TLS right behind that line: from the next byte on, the
   * connection carries the end-to-end channel's own records as they are (see {@link RelayWire}).
   * Completes when the line is out; nothing is forwarded before.
   */
  Future<Void> pairWith(Connection other) {
    peer = other;
    phase = Phase.PAIRED;
    lastActivity = System.nanoTime();
    // through the pipeline at once, past Vert.x's deferred flush: after the flush the PAIRED record
    // is encrypted and queued below the TLS handler, which goes before this event-loop task ends,
    // so no byte the end sends after reading PAIRED can reach it (earlier lines are ahead of it)
    var context = socket.channelHandlerContext();
    var written = context.writeAndFlush(Unpooled.copiedBuffer(RelayWire.PAIRED + "\n", StandardCharsets.US_ASCII));
    if (context.pipeline().get(SslHandler.class) != null) {
      context.pipeline().remove(SslHandler.class);
    }
    Promise<Void> told = Promise.promise();
    written.addListener(done -> {
      if (done.isSuccess()) {
        told.tryComplete();
      } else {
        told.tryFail(done.cause());
      }
    });
    return told.future();
  }

  /** Starts forwarding, once both ends have been told PAIRED. */
  void startForwarding() {
    peer.socket.drainHandler(v -> {
      if (waitingForDrain) {
        waitingForDrain = false;
        resumeIfAllowed();
      }
    });
    forwarding = true;
    var held = early;
    early = null;
    if (held != null && held.length() > 0) {
      forward(held);
    }
    // ends the waiting phase's pause: what Vert.x held meanwhile is handed on now, in order (the
    // limits pause at the socket from here on, and Vert.x's own pause is never used again)
    socket.resume();
    resumeIfAllowed();
    if (closed) {
      ended(); // it closed before forwarding began: its last bytes were handed on just now
    }
  }

  private void forward(Buffer data) {
    forward(((BufferInternal) data).getByteBuf());
  }

  /** Counts the bytes and hands them to the peer (which releases them once written), or releases them. */
  private void forward(ByteBuf data) {
    var s = session;
    if (s.stopForwarding || peer.closed) {
      data.release();
      return;
    }
    int length = data.readableBytes();
    long now = System.nanoTime();
    if (operatorEnd) {
      s.bytesOperatorToDevice += length;
    } else {
      s.bytesDeviceToOperator += length;
    }
    s.lastActivity = now;
    relay.relayed(length);
    peer.socket.writeMessage(data);
    if (peer.socket.writeQueueFull()) {
      waitingForDrain = true;
      stopReading();
    }
    long pause = Math.max(s.bucket.take(length, now), relay.totalBucket().take(length, now));
    if (pause > 0 && throttleTimer < 0) {
      stopReading();
      throttleTimer = relay.vertx().setTimer(millis(pause), id -> throttled());
    }
  }

  /**
   * Stops reading from the socket: what the end sends next stays in the kernel, and TCP holds the
   * end back. Not {@code NetSocket.pause()}: under it Vert.x reads on into a queue, and a close
   * read there is reported before the bytes queued ahead of it are handed on.
   */
  private void stopReading() {
    socket.channelHandlerContext().channel().config().setAutoRead(false);
  }

  private void throttled() {
    throttleTimer = -1;
    if (session.stopForwarding) {
      return;
    }
    long now = System.nanoTime();
    long pause = Math.max(session.bucket.pauseNanos(now), relay.totalBucket().pauseNanos(now));
    if (pause > 0) {
      throttleTimer = relay.vertx().setTimer(millis(pause), id -> throttled());
    } else {
      resumeIfAllowed();
    }
  }

  /** Reads from the socket again unless a reason to pause holds (also after Vert.x may have turned reading on). */
  private void resumeIfAllowed() {
    socket.channelHandlerContext().channel().config().setAutoRead(!waitingForDrain && throttleTimer < 0);
  }

  /**
   * The client's end of the stream: everything it sent has been handled. Called once: at the close
   * if forwarding had begun, else when it begins.
   */
  private void ended() {
    if (forwarding) {
      relay.endClosed(this);
      // everything this end sent has been handed to the peer: let it drain, then close it
      peer.close(relay.relayConfig().idleTimeout().toMillis());
    }
  }

  private void closed() {
    ended(); // with a message handler Vert.x calls no end handler: the close is the end (it comes behind the last bytes)
    closed = true;
    cancelDeadline();
    cancelTimer(forceTimer);
    forceTimer = -1;
    relay.connectionClosed(this);
    closedPromise.tryComplete();
  }

  /** Sends one ERR line and closes (forced if the client does not take it within a moment). */
  void refuse(String errorLine) {
    refuse(errorLine, null);
  }

  /** As {@link #refuse(String)}, for a connection that tried to join this session (null: unknown). */
  void refuse(String errorLine, String sessionId) {
    if (closing || closed) {
      return;
    }
    relay.refused(this, sessionId, errorLine);
    cancelDeadline();
    socket.write(errorLine + "\n");
    close(RelayVerticle.FORCE_CLOSE_AFTER_MS);
  }

  /**
   * Closes after the bytes queued for the client are out; if that takes longer than
   * {@code forceAfterMs}, drops them and closes the socket at once.
   */
  void close(long forceAfterMs) {
    if (closed) {
      return;
    }
    if (!closing) {
      closing = true;
      socket.close();
    }
    long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(forceAfterMs);
    if (forceTimer < 0 || at < forceAt) {
      cancelTimer(forceTimer);
      forceAt = at;
      forceTimer = relay.vertx().setTimer(Math.max(1, forceAfterMs), id -> {
        forceTimer = -1;
        if (!closed) {
          forceClose();
        }
      });
    }
  }

  /**
   * Closes the TCP connection now, without waiting for queued bytes or a TLS close_notify: the
   * close starts at the head of the Netty pipeline, past Vert.x's flush-before-close and the TLS
   * handler. Vert.x's public API has no such close.
   */
  private void forceClose() {
    log.debug("relay: forcing {} closed", socket.remoteAddress());
    var first = socket.channelHandlerContext().pipeline().firstContext();
    if (first != null) {
      first.close();
    } else {
      socket.channelHandlerContext().channel().close();
    }
  }

  private void cancelDeadline() {
    cancelTimer(deadlineTimer);
    deadlineTimer = -1;
  }

  private void cancelTimer(long id) {
    if (id >= 0) {
      relay.vertx().cancelTimer(id);
    }
  }

  private static long millis(long nanos) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
  }

  /** The first newline within {@code limit} bytes, or -1. */
  private static int indexOfNewline(Buffer buffer, int limit) {
    int end = Math.min(buffer.length(), limit);
    for (int i = 0; i < end; i++) {
      if (buffer.getByte(i) == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** The bytes before the newline as text, or null if any is not printable ASCII. */
  private static String ascii(Buffer buffer, int length) {
    var bytes = buffer.getBytes(0, length);
    for (byte b : bytes) {
      if (b < 0x20 || b > 0x7e) {
        return null;
      }
    }
    return new String(bytes, StandardCharsets.US_ASCII);
  }
}
