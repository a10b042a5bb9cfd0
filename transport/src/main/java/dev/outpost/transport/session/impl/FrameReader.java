package dev.outpost.transport.session.impl;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** Reads frames, refusing unknown types, stream ids above 2^31-1 and payloads over {@link Frame#MAX_PAYLOAD}. */
final class FrameReader {
  private static final int READ_AHEAD = 8 * 1024;

  private final DataInputStream in;

  FrameReader(InputStream in) {
    // headers and small frames from the buffer; a payload larger than it is read straight into its array
    this.in = new DataInputStream(new BufferedInputStream(in, READ_AHEAD));
  }

  /** The next frame, or null when the connection ended cleanly between two frames. */
  Frame read() throws IOException {
    int type = in.read();
    if (type < 0) {
      return null;
    }
    if (type > Frame.LAST_TYPE) {
      throw new MuxProtocolException("unknown frame type " + Frame.name(type));
    }
    int stream;
    long length;
    try {
      stream = in.readInt();
      length = in.readInt() & 0xffff_ffffL;
    } catch (EOFException e) {
      throw new MuxProtocolException("the connection ended inside a " + Frame.name(type) + " frame header");
    }
    if (stream < 0) {
      throw new MuxProtocolException(Frame.name(type) + " frame for stream " + Integer.toUnsignedString(stream)
          + ", above the highest stream id " + Integer.MAX_VALUE);
    }
    if (length > Frame.MAX_PAYLOAD) {
      throw new MuxProtocolException(Frame.name(type) + " frame of " + length + " bytes on stream " + stream
          + ", at most " + Frame.MAX_PAYLOAD + " allowed");
    }
    var payload = type == Frame.DATA ? Payloads.take() : new byte[(int) length];
    try {
      in.readFully(payload, 0, (int) length);
    } catch (EOFException e) {
      throw new MuxProtocolException("the connection ended inside a " + Frame.name(type) + " frame of " + length
          + " bytes");
    }
    return new Frame(type, stream, payload, (int) length);
  }

  /** Reads and drops everything until the end of the connection (after the session ended). */
  void drain() throws IOException {
    var scratch = new byte[8192];
    while (in.read(scratch) >= 0) {
      // dropped
    }
  }
}
