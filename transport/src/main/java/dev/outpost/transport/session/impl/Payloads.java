package dev.outpost.transport.session.impl;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * The arrays that carry DATA payloads, reused: a stream's bytes move in frames of up to
 * {@link Frame#MAX_PAYLOAD}, and a fresh array for each (allocated, zeroed, then collected) cost
 * more than the copy into it. An array goes back once its bytes are written out (sending) or read
 * by the stream's consumer (receiving); a frame dropped on the way is left to the collector. Only
 * the first {@code length} bytes of a pooled payload are the frame's: the rest is stale, and
 * nothing reads it.
 */
final class Payloads {
  /** Arrays kept for reuse, JVM-wide (4 MiB); more in flight are allocated and collected as before. */
  static final int KEEP = 64;
  private static final ArrayBlockingQueue<byte[]> FREE = new ArrayBlockingQueue<>(KEEP);

  private Payloads() {}

  /** An array of {@link Frame#MAX_PAYLOAD} bytes, its contents stale. */
  static byte[] take() {
    var array = FREE.poll();
    return array != null ? array : new byte[Frame.MAX_PAYLOAD];
  }

  /** Returns an array that nothing refers to any more; other sizes are left to the collector. */
  static void give(byte[] array) {
    if (array.length == Frame.MAX_PAYLOAD) {
      FREE.offer(array);
    }
  }
}
