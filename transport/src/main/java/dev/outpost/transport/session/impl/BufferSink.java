package dev.outpost.transport.session.impl;

import java.io.IOException;
import java.nio.ByteBuffer;

/** An output that takes a {@link ByteBuffer} as it is: a direct one goes to TLS and the socket without a copy. */
interface BufferSink {
  /** Writes all remaining bytes of {@code src}. */
  void write(ByteBuffer src) throws IOException;

  /** Whether direct buffers save this sink a copy (else it works on heap arrays). */
  boolean prefersDirect();
}
