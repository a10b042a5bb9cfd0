package dev.outpost.transport.session.impl;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes frames into a buffer; {@link #flush} sends them (the session's writer flushes when its
 * queue is empty). The buffer holds several whole frames, so a header never goes out as a TLS
 * record of its own and TLS gets large writes that it cuts into full records.
 */
final class FrameWriter {
  private final OutputStream out;
  private final byte[] header = new byte[Frame.HEADER_BYTES];

  FrameWriter(OutputStream out) {
    this.out = new BufferedOutputStream(out, 4 * (Frame.MAX_PAYLOAD + Frame.HEADER_BYTES));
  }

  void write(Frame frame) throws IOException {
    int length = frame.length();
    header[0] = (byte) frame.type();
    putInt(1, frame.stream());
    putInt(5, length);
    out.write(header);
    out.write(frame.payload(), 0, length);
  }

  void flush() throws IOException {
    out.flush();
  }

  private void putInt(int at, int value) {
    header[at] = (byte) (value >>> 24);
    header[at + 1] = (byte) (value >>> 16);
    header[at + 2] = (byte) (value >>> 8);
    header[at + 3] = (byte) value;
  }
}
