package dev.outpost.transport.session.impl;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The buffers that carry DATA payloads, reused and direct: a stream's bytes move in frames of up to
 * {@link Frame#MAX_PAYLOAD}; a socket channel reads into and writes from a direct buffer in place,
 * where a heap array costs the JDK a copy through a temporary direct buffer of its own at each
 * local connection. A buffer goes back once its bytes are written out (sending) or read by the
 * stream's consumer (receiving); a frame dropped on the way is left to the collector. Only the
 * first {@code length} bytes of a pooled payload are the frame's: the rest is stale, and nothing
 * reads it.
 */
final class Payloads {
  /** Direct buffers kept for reuse, JVM-wide (8 MiB); more in flight are heap buffers, collected as usual. */
  static final int KEEP = 128;
  private static final ArrayBlockingQueue<ByteBuffer> FREE = new ArrayBlockingQueue<>(KEEP);
  /** Direct buffers made so far: at most {@link #KEEP}, so a buffer dropped on the way is not made again. */
  private static final AtomicInteger DIRECT = new AtomicInteger();

  private Payloads() {}

  /** A buffer of {@link Frame#MAX_PAYLOAD} bytes, cleared, its contents stale. */
  static ByteBuffer take() {
    var buffer = FREE.poll();
    if (buffer != null) {
      return buffer.clear();
    }
    // direct memory is allocated until there are KEEP direct buffers; bursts beyond them get heap buffers
    return DIRECT.get() < KEEP && DIRECT.getAndIncrement() < KEEP ? ByteBuffer.allocateDirect(Frame.MAX_PAYLOAD)
        : ByteBuffer.allocate(Frame.MAX_PAYLOAD);
  }

  /** Returns a buffer that nothing refers to any more; heap buffers and other sizes are left to the collector. */
  static void give(ByteBuffer buffer) {
    if (buffer.isDirect() && buffer.capacity() == Frame.MAX_PAYLOAD) {
      FREE.offer(buffer);
    }
  }
}
