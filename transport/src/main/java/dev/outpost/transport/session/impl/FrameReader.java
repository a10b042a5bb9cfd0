package dev.outpost.transport.session.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/** Reads frames, refusing unknown types, stream ids above 2^31-1 and payloads over {@link Frame#MAX_PAYLOAD}. */
final class FrameReader {
  private static final int READ_AHEAD = 8 * 1024;

  private final InputStream in;
  private final BufferSource source;
  /** Headers and small frames come from here; a payload's bytes beyond it are read straight into its buffer. */
  private final byte[] ahead = new byte[READ_AHEAD];
  /** The same bytes, for the header's big-endian integers. */
  private final ByteBuffer aheadView = ByteBuffer.wrap(ahead);
  private int start;
  private int end;

  FrameReader(InputStream in) {
    this.in = in;
    this.source = in instanceof BufferSource s ? s : null;
  }

  /** The next frame, or null when the connection ended cleanly between two frames. */
  Frame read() throws IOException {
    if (!fill(1)) {
      return null;
    }
    int type = ahead[start] & 0xff;
    if (type > Frame.LAST_TYPE) {
      throw new MuxProtocolException("unknown frame type " + Frame.name(type));
    }
    if (!fill(Frame.HEADER_BYTES)) {
      throw new MuxProtocolException("the connection ended inside a " + Frame.name(type) + " frame header");
    }
    int stream = aheadView.getInt(start + 1);
    long length = aheadView.getInt(start + 5) & 0xffff_ffffL;
    start += Frame.HEADER_BYTES;
    if (stream < 0) {
      throw new MuxProtocolException(Frame.name(type) + " frame for stream " + Integer.toUnsignedString(stream)
          + ", above the highest stream id " + Integer.MAX_VALUE);
    }
    if (length > Frame.MAX_PAYLOAD) {
      throw new MuxProtocolException(Frame.name(type) + " frame of " + length + " bytes on stream " + stream
          + ", at most " + Frame.MAX_PAYLOAD + " allowed");
    }
    int size = (int) length;
    var payload = type == Frame.DATA ? Payloads.take() : ByteBuffer.allocate(size);
    int buffered = Math.min(size, end - start);
    payload.put(ahead, start, buffered);
    start += buffered;
    payload.limit(size);
    while (payload.hasRemaining()) {
      if (readDirectly(payload) < 0) {
        throw new MuxProtocolException("the connection ended inside a " + Frame.name(type) + " frame of " + length
            + " bytes");
      }
    }
    return new Frame(type, stream, payload, size);
  }

  /** Reads more of a payload whose buffered bytes were taken: straight into it if the stream can. */
  private int readDirectly(ByteBuffer payload) throws IOException {
    if (source != null) {
      return source.read(payload);
    }
    int n = in.read(ahead, 0, Math.min(ahead.length, payload.remaining()));
    if (n > 0) {
      payload.put(ahead, 0, n);
    }
    return n;
  }

  /** Reads until {@code count} bytes are buffered; false if the stream ended first. */
  private boolean fill(int count) throws IOException {
    if (start == end) {
      start = 0;
      end = 0;
    } else if (start + count > ahead.length) {
      System.arraycopy(ahead, start, ahead, 0, end - start);
      end -= start;
      start = 0;
    }
    while (end - start < count) {
      int n = in.read(ahead, end, ahead.length - end);
      if (n < 0) {
        return false;
      }
      end += n;
    }
    return true;
  }

  /** Reads and drops everything until the end of the connection (after the session ended). */
  void drain() throws IOException {
    start = 0;
    end = 0;
    while (in.read(ahead) >= 0) {
      // dropped
    }
  }
}
