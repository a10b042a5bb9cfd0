package dev.outpost.transport.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * One TCP stream carried by a session, with its own flow control: a reader that does not keep up
 * slows this stream only. Use either {@link #input()}/{@link #output()} or {@link #pipe(Socket)}.
 */
public interface SessionStream extends AutoCloseable {
  /** The stream's number in its session (1, 2, … in the order the operator opened them). */
  int id();

  /** The target, {@code host:port}, as the operator asked for it. */
  String target();

  /**
   * Bytes from the other end; -1 once it ended its side (FIN). A read fails with an
   * {@link IOException} saying why if the stream was reset or the session ended.
   */
  InputStream input();

  /**
   * Bytes to the other end; blocks while the other end's window is used up. {@code close()} ends
   * this side only (half close); reading goes on.
   */
  OutputStream output();

  /** Payload bytes this end sent on this stream. */
  long bytesSent();

  /** Payload bytes this end received on this stream. */
  long bytesReceived();

  /**
   * Copies bytes both ways between the stream and {@code local} until both sides ended (half
   * closes are passed on), or either failed (then the stream is reset); blocks until then and
   * closes {@code local}.
   */
  void pipe(Socket local) throws IOException;

  /** Resets the stream unless both sides already ended; never blocks. */
  @Override
  void close();
}
