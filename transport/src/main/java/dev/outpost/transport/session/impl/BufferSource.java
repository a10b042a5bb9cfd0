package dev.outpost.transport.session.impl;

import java.io.IOException;
import java.nio.ByteBuffer;

/** An input stream that can also read into a buffer, so a direct buffer gets the bytes without a copy on the way. */
interface BufferSource {
  /** Reads at least one and at most {@code dst.remaining()} bytes into {@code dst} (blocking); -1 at the end. */
  int read(ByteBuffer dst) throws IOException;
}
