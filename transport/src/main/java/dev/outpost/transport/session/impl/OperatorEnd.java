package dev.outpost.transport.session.impl;

import dev.outpost.crypto.PeerIdentity;
import dev.outpost.transport.session.OperatorSession;
import dev.outpost.transport.session.SessionListener;
import dev.outpost.transport.session.SessionOptions;
import dev.outpost.transport.session.SessionStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** The operator's end: opens streams (ids 1, 2, …) and never accepts any. */
final class OperatorEnd extends Mux implements OperatorSession {
  private final AtomicInteger lastId = new AtomicInteger();

  OperatorEnd(Socket socket, Socket raw, PeerIdentity peer, SessionOptions options, SessionListener listener)
      throws IOException {
    super(Side.OPERATOR, socket, raw, peer, options, listener);
  }

  @Override
  public SessionStream openStream(String hostPort) {
    var target = HostPort.parse(hostPort).toString();
    if (!isOpen()) {
      throw closedException();
    }
    int id = lastId.incrementAndGet();
    var stream = new MuxStream(this, id, target);
    streams.put(id, stream);
    if (!send(new Frame(Frame.OPEN, id, target.getBytes(StandardCharsets.UTF_8)), false)) {
      streams.remove(id);
      throw closedException();
    }
    activity();
    stream.awaitOpened(options.openTimeout());
    return stream;
  }

  @Override
  void onOpen(Frame frame) throws MuxProtocolException {
    throw new MuxProtocolException("OPEN for stream " + frame.stream() + " from the device end, which may not open streams");
  }

  @Override
  void onAnswer(Frame frame) throws MuxProtocolException {
    var stream = stream(frame);
    if (stream != null) {
      stream.onAnswer(frame);
    }
  }

  @Override
  boolean known(int id) {
    return id <= lastId.get();
  }
}
