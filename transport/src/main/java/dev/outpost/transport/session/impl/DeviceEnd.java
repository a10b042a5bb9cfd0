package dev.outpost.transport.session.impl;

import dev.outpost.crypto.PeerIdentity;
import dev.outpost.transport.session.DeviceSession;
import dev.outpost.transport.session.SessionListener;
import dev.outpost.transport.session.SessionOptions;
import dev.outpost.transport.session.TargetPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

/**
 * The device's end: for each OPEN it resolves the target, asks the policy, connects with a timeout
 * (on a worker thread, never the reader) and pipes; anything else is answered with REFUSED and why.
 */
final class DeviceEnd extends Mux implements DeviceSession {
  private final TargetPolicy policy;
  private volatile int highest;

  DeviceEnd(Socket socket, Socket raw, PeerIdentity peer, TargetPolicy policy, SessionOptions options,
      SessionListener listener) throws IOException {
    super(Side.DEVICE, socket, raw, peer, options, listener);
    this.policy = policy;
  }

  @Override
  void onOpen(Frame frame) throws MuxProtocolException {
    int id = frame.stream();
    if (id <= highest) {
      throw new MuxProtocolException("OPEN for stream " + id + " after stream " + highest
          + " was opened; stream ids must increase");
    }
    highest = id;
    if (frame.length() > HostPort.MAX_LENGTH * 4) {
      throw new MuxProtocolException("OPEN for stream " + id + " with a target of " + frame.length() + " bytes");
    }
    var text = new String(frame.content(), StandardCharsets.UTF_8);
    var stream = new MuxStream(this, id, text);
    HostPort target;
    try {
      target = HostPort.parse(text);
    } catch (IllegalArgumentException e) {
      stream.refuse(e.getMessage());
      return;
    }
    if (streams.size() >= options.maxStreams()) {
      stream.refuse("too many streams in this session (at most " + options.maxStreams() + ")");
      return;
    }
    streams.put(id, stream);
    try {
      workers.execute(() -> connect(stream, target));
    } catch (RejectedExecutionException e) {
      stream.terminate("session ending");
    }
  }

  private void connect(MuxStream stream, HostPort target) {
    Thread.currentThread().setName(name + "-stream-" + stream.id() + "-down");
    InetAddress address;
    try {
      address = InetAddress.getByName(target.host());
    } catch (UnknownHostException e) {
      stream.refuse("unknown host " + target.host());
      return;
    }
    Optional<String> refusal;
    try {
      refusal = policy.refusal(target.host(), target.port(), address);
    } catch (RuntimeException e) {
      refusal = Optional.of("the site policy failed on " + target + ": " + e.getMessage());
    }
    if (refusal.isPresent()) {
      stream.refuse(refusal.get());
      return;
    }
    Socket socket;
    try {
      socket = SocketChannel.open().socket(); // a channel's socket: the stream's direct buffers go in and out in place
    } catch (IOException e) {
      stream.refuse("cannot open a connection to " + target + ": " + e.getMessage());
      return;
    }
    if (!stream.attach(socket)) {
      return; // the operator gave up or the session ended; a connect under way would be closed the same way
    }
    try {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(address, target.port()), (int) options.connectTimeout().toMillis());
    } catch (IOException e) {
      quietly(socket);
      stream.refuse("cannot connect to " + target + " (" + address.getHostAddress() + "): " + e.getMessage());
      return;
    }
    if (!stream.accept(socket)) {
      quietly(socket);
      return;
    }
    try {
      stream.pipe(socket);
    } catch (IOException e) {
      // the stream was reset or the session ended; the listener heard why
    }
  }

  @Override
  void onAnswer(Frame frame) throws MuxProtocolException {
    throw new MuxProtocolException(Frame.name(frame.type()) + " for stream " + frame.stream()
        + " from the operator end, which opens streams and does not answer them");
  }

  @Override
  boolean known(int id) {
    return id <= highest;
  }
}
