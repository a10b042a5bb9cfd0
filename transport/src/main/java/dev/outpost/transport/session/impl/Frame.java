package dev.outpost.transport.session.impl;

import java.nio.ByteBuffer;

/**
 * One frame of the multiplexing protocol that runs inside the end-to-end TLS channel:
 * {@code [type u8][stream u32][length u32][payload]}, integers big-endian. Stream 0 is the session
 * itself (HELLO, PING, PONG, and RESET as the session's goodbye); every other frame names a stream.
 *
 * <p>The payload is the bytes at indexes 0 to {@code length} of {@code payload} (its position
 * and limit are the holder's to move): DATA frames carry a {@link Payloads pooled} buffer, every
 * other frame a wrapped array of exactly its length.
 */
record Frame(int type, int stream, ByteBuffer payload, int length) {
  static final int HEADER_BYTES = 9;
  /** The largest payload of any frame; larger ones end the session. */
  static final int MAX_PAYLOAD = 64 * 1024;

  /** First frame each way: [version u8][initial receive window u32]. */
  static final int HELLO = 0;
  /** Operator to device: open a stream to the UTF-8 {@code host:port} in the payload. */
  static final int OPEN = 1;
  /** Device to operator: the target is connected; data may flow. */
  static final int OPENED = 2;
  /** Device to operator: the stream is not opened; UTF-8 reason. */
  static final int REFUSED = 3;
  /** Stream bytes, at most the sender's credit. */
  static final int DATA = 4;
  /** The sender will send no more DATA on this stream (half close). */
  static final int FIN = 5;
  /** The stream is over at once, UTF-8 reason; on stream 0 the session is over (goodbye). */
  static final int RESET = 6;
  /** [credit u32]: the receiver consumed that many bytes; the sender may send that many more. */
  static final int WINDOW = 7;
  /** Keepalive, 8 bytes echoed back in a PONG. */
  static final int PING = 8;
  static final int PONG = 9;

  static final int LAST_TYPE = PONG;

  static String name(int type) {
    return switch (type) {
      case HELLO -> "HELLO";
      case OPEN -> "OPEN";
      case OPENED -> "OPENED";
      case REFUSED -> "REFUSED";
      case DATA -> "DATA";
      case FIN -> "FIN";
      case RESET -> "RESET";
      case WINDOW -> "WINDOW";
      case PING -> "PING";
      case PONG -> "PONG";
      default -> String.format("0x%02x", type);
    };
  }

  Frame {
    if (length < 0 || length > payload.capacity()) {
      throw new IllegalArgumentException("length " + length + " of a " + payload.capacity() + "-byte buffer");
    }
  }

  /** A frame whose payload is all of {@code payload}. */
  Frame(int type, int stream, byte[] payload) {
    this(type, stream, ByteBuffer.wrap(payload), payload.length);
  }

  /** The payload's bytes in an array of their own. */
  byte[] content() {
    var bytes = new byte[length];
    payload.get(0, bytes);
    return bytes;
  }

  /** Gives a DATA frame's pooled buffer back once nothing reads it any more; other frames have none. */
  void release() {
    if (type == DATA) {
      Payloads.give(payload);
    }
  }

  static Frame empty(int type, int stream) {
    return new Frame(type, stream, new byte[0]);
  }

  @Override
  public String toString() {
    return name(type) + "(stream " + stream + ", " + length + " bytes)";
  }
}
