package dev.outpost.transport.session.impl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Writes frames into a buffer; {@link #flush} sends them (the session's writer flushes when its
 * queue is empty). The buffer holds several whole frames, so a header never goes out as a TLS
 * record of its own and TLS gets large writes that it cuts into full records. Over the TLS socket
 * the buffer is direct and goes to TLS as it is: a payload is copied once, into it.
 */
final class FrameWriter {
  private static final int CAPACITY = 4 * (Frame.MAX_PAYLOAD + Frame.HEADER_BYTES);
  private final OutputStream out;
  private final BufferSink sink;
  private final ByteBuffer buffer;

  FrameWriter(OutputStream out) {
    this.out = out;
    this.sink = out instanceof BufferSink s ? s : null;
    this.buffer = sink != null && sink.prefersDirect() ? ByteBuffer.allocateDirect(CAPACITY) : ByteBuffer.allocate(CAPACITY);
  }

  void write(Frame frame) throws IOException {
    if (buffer.remaining() < Frame.HEADER_BYTES + frame.length()) {
      send();
    }
    buffer.put((byte) frame.type()).putInt(frame.stream()).putInt(frame.length());
    buffer.put(buffer.position(), frame.payload(), 0, frame.length()).position(buffer.position() + frame.length());
  }

  void flush() throws IOException {
    if (buffer.position() > 0) {
      send();
    }
    out.flush();
  }

  private void send() throws IOException {
    buffer.flip();
    if (sink != null) {
      sink.write(buffer);
    } else {
      out.write(buffer.array(), buffer.arrayOffset(), buffer.limit());
    }
    buffer.clear();
  }
}
