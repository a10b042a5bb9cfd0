package dev.outpost.cloud.impl.store;

import dev.outpost.protocol.State;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns runs of consecutive measurements of one source into {@link Block}s. A block ends where the
 * sequence numbers jump, where it would span more than {@link #MAX_SPAN_MS} of measurement time
 * (so a time-range read knows how far before its start to look), and at {@link #MAX_MEASUREMENTS}
 * measurements or about {@link #MAX_BYTES} bytes. Not thread-safe; reused for many blocks.
 *
 * <p>The format, version 1. Integers are unsigned LEB128 varints unless marked zigzag (signed,
 * zigzag then LEB128):
 * <pre>
 *   byte     version (1)
 *   varint   n, then n strings: varint length, UTF-8 bytes   -- sensor ids, value names, messages, each once
 *   varint   count, then count measurements:
 *     varint   sensor id: index into the strings
 *     zigzag   time minus the previous measurement's time (the first one's minus 0), epoch ms
 *     byte     state ordinal: 0 OK, 1 WARNING, 2 ERROR
 *     varint   message: index into the strings
 *     varint   number of values, then each:
 *       varint   name index &lt;&lt; 1 | whole
 *       whole=1: zigzag, the value (a whole number of magnitude at most 2^53, not -0.0)
 *       whole=0: 8 bytes, the IEEE 754 bits of the value, big-endian
 * </pre>
 * Units are not kept (the newest measurement of each sensor keeps them). {@link BlockDecoder}
 * reads it back.
 */
final class BlockEncoder {
  static final byte VERSION = 1;
  /**
   * The longest time between the earliest and latest measurement of one block. Range reads look
   * this far before their start, so every stored block must keep to it: raising it is safe,
   * lowering it is not without re-cutting the stored blocks.
   */
  static final long MAX_SPAN_MS = 60_000;
  static final int MAX_MEASUREMENTS = 4_096;
  /** A block is closed once it is this long; one measurement may take it a little beyond. */
  static final int MAX_BYTES = 256 * 1024;
  /** The longest {@link Block#sensors()} list kept; longer lists are left out (null). */
  static final int MAX_SENSORS_LENGTH = 1_000;
  private static final long WHOLE_LIMIT = 1L << 53;
  private static final long NEGATIVE_ZERO = Double.doubleToRawLongBits(-0.0);

  private final List<Block> finished = new ArrayList<>();
  private final Map<String, Integer> stringIndex = new HashMap<>();
  private final Set<String> sensors = new LinkedHashSet<>();
  private final Bytes strings = new Bytes(1024);
  private final Bytes body = new Bytes(16 * 1024);
  private int count;
  private long firstSeq;
  private long lastSeq;
  private long minTime;
  private long maxTime;
  private long previousTime;

  /** Appends one measurement; starts a new block first if it does not continue the open one. */
  void add(long seq, String sensor, long time, State state, Map<String, Double> values, String message) {
    if (count > 0 && (seq != lastSeq + 1
        || Long.compareUnsigned(Math.max(maxTime, time) - Math.min(minTime, time), MAX_SPAN_MS) > 0)) {
      close();
    }
    if (count == 0) {
      firstSeq = seq;
      minTime = time;
      maxTime = time;
      previousTime = 0;
    }
    body.writeVarLong(string(sensor));
    body.writeZigZag(time - previousTime);
    body.writeByte(state.ordinal());
    body.writeVarLong(string(message));
    body.writeVarLong(values.size());
    for (var e : values.entrySet()) {
      double v = e.getValue();
      long name = (long) string(e.getKey()) << 1;
      if (Math.abs(v) <= WHOLE_LIMIT && v == Math.rint(v) && Double.doubleToRawLongBits(v) != NEGATIVE_ZERO) {
        body.writeVarLong(name | 1);
        body.writeZigZag((long) v);
      } else {
        body.writeVarLong(name);
        body.writeLong(Double.doubleToRawLongBits(v));
      }
    }
    sensors.add(sensor);
    previousTime = time;
    lastSeq = seq;
    minTime = Math.min(minTime, time);
    maxTime = Math.max(maxTime, time);
    if (++count >= MAX_MEASUREMENTS || body.size() + strings.size() >= MAX_BYTES) {
      close();
    }
  }

  /** Closes the open block (the next measurement starts a new one) and hands over the blocks made since the last call. */
  List<Block> finish() {
    close();
    var blocks = List.copyOf(finished);
    finished.clear();
    return blocks;
  }

  private int string(String s) {
    Integer known = stringIndex.get(s);
    if (known != null) {
      return known;
    }
    int index = stringIndex.size();
    stringIndex.put(s, index);
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    strings.writeVarLong(utf8.length);
    strings.writeBytes(utf8);
    return index;
  }

  private void close() {
    if (count == 0) {
      return;
    }
    var data = new Bytes(1 + 5 + strings.size() + 5 + body.size());
    data.writeByte(VERSION);
    data.writeVarLong(stringIndex.size());
    data.writeBytes(strings);
    data.writeVarLong(count);
    data.writeBytes(body);
    finished.add(new Block(firstSeq, lastSeq, minTime, maxTime, sensorList(), data.toArray()));
    count = 0;
    stringIndex.clear();
    sensors.clear();
    strings.reset();
    body.reset();
  }

  private String sensorList() {
    var list = new StringBuilder(",");
    for (var sensor : sensors) {
      list.append(sensor).append(',');
      if (list.length() > MAX_SENSORS_LENGTH) {
        return null;
      }
    }
    return list.toString();
  }

  /** A growable byte array. */
  private static final class Bytes {
    private byte[] bytes;
    private int size;

    Bytes(int capacity) {
      bytes = new byte[capacity];
    }

    int size() {
      return size;
    }

    void reset() {
      size = 0;
    }

    byte[] toArray() {
      return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }

    private void room(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }

    void writeByte(int b) {
      room(1);
      bytes[size++] = (byte) b;
    }

    void writeVarLong(long v) {
      room(10);
      while ((v & ~0x7FL) != 0) {
        bytes[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      bytes[size++] = (byte) v;
    }

    void writeZigZag(long v) {
      writeVarLong((v << 1) ^ (v >> 63));
    }

    void writeLong(long v) {
      room(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        bytes[size++] = (byte) (v >>> shift);
      }
    }

    void writeBytes(byte[] b) {
      room(b.length);
      System.arraycopy(b, 0, bytes, size, b.length);
      size += b.length;
    }

    void writeBytes(Bytes other) {
      room(other.size);
      System.arraycopy(other.bytes, 0, bytes, size, other.size);
      size += other.size;
    }
  }
}
