package dev.outpost.cloud.impl.store;

import dev.outpost.cloud.MeasurementStore.Stored;
import dev.outpost.protocol.State;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads blocks written by {@link BlockEncoder} (which describes the format). Every count and length
 * is checked against the bytes that remain before anything is allocated for it, so a damaged block
 * fails with a {@link CorruptBlockException} that says what is wrong, never with an
 * out-of-memory error or a wrong answer from beyond its end.
 */
final class BlockDecoder {
  /** Sensor, time, state, message and value count take at least a byte each. */
  private static final int MIN_MEASUREMENT_BYTES = 5;
  /** A value's name tag and the value take at least a byte each. */
  private static final int MIN_VALUE_BYTES = 2;
  private static final State[] STATES = State.values();

  /** Receives decoded measurements with their position in the block (0 for the first). */
  @FunctionalInterface
  interface Sink {
    void accept(int position, Stored measurement);
  }

  private BlockDecoder() {
  }

  /** Every measurement of the block, in sequence order. */
  static List<Stored> decodeAll(byte[] data, int expectedCount) {
    var all = new ArrayList<Stored>();
    decode(data, expectedCount, null, Long.MIN_VALUE, Long.MAX_VALUE, (position, m) -> all.add(m));
    return all;
  }

  /**
   * Decodes the whole block and hands over, in sequence order, the measurements of the sensor
   * with {@code fromMs <= time <= toMs}; the values of the others are checked but not collected.
   *
   * @param expectedCount how many measurements the block's row says it holds
   * @param sensor        a sensor id, or null for every sensor
   */
  static void decode(byte[] data, int expectedCount, String sensor, long fromMs, long toMs, Sink sink) {
    var in = new Input(data);
    int version = in.readUnsignedByte();
    if (version != BlockEncoder.VERSION) {
      throw in.corrupt("unknown format version " + version);
    }
    var strings = new String[in.readCount(1, "strings")];
    for (int i = 0; i < strings.length; i++) {
      strings[i] = in.readString();
    }
    int count = in.readCount(MIN_MEASUREMENT_BYTES, "measurements");
    if (count != expectedCount) {
      throw in.corrupt("it holds " + count + " measurements where its row says " + expectedCount);
    }
    long time = 0;
    for (int position = 0; position < count; position++) {
      String sensorId = strings[in.readIndex(strings.length)];
      time += in.readZigZag();
      int state = in.readUnsignedByte();
      if (state >= STATES.length) {
        throw in.corrupt("no state " + state);
      }
      String message = strings[in.readIndex(strings.length)];
      int valueCount = in.readCount(MIN_VALUE_BYTES, "values");
      boolean wanted = time >= fromMs && time <= toMs && (sensor == null || sensor.equals(sensorId));
      Map<String, Double> values = wanted ? new LinkedHashMap<>(valueCount * 2) : null;
      for (int v = 0; v < valueCount; v++) {
        long tag = in.readVarLong();
        if (Long.compareUnsigned(tag >>> 1, strings.length) >= 0) {
          throw in.corrupt("value name " + (tag >>> 1) + " of " + strings.length + " strings");
        }
        String name = strings[(int) (tag >>> 1)];
        double value = (tag & 1) != 0 ? (double) in.readZigZag() : Double.longBitsToDouble(in.readLong());
        if (values != null && values.put(name, value) != null) {
          throw in.corrupt("value " + name + " appears twice in one measurement");
        }
      }
      if (wanted) {
        sink.accept(position, new Stored(sensorId, Instant.ofEpochMilli(time), STATES[state], values, message));
      }
    }
    if (in.remaining() != 0) {
      throw in.corrupt(in.remaining() + " bytes after the last measurement");
    }
  }

  /** The bytes of one block with a read position; every read checks the end. */
  private static final class Input {
    private final byte[] bytes;
    private int pos;

    Input(byte[] bytes) {
      if (bytes == null || bytes.length == 0) {
        throw new CorruptBlockException("the block is empty");
      }
      this.bytes = bytes;
    }

    int remaining() {
      return bytes.length - pos;
    }

    CorruptBlockException corrupt(String what) {
      return new CorruptBlockException(what + " (at byte " + pos + " of " + bytes.length + ")");
    }

    int readUnsignedByte() {
      if (pos >= bytes.length) {
        throw corrupt("the block ends early");
      }
      return bytes[pos++] & 0xFF;
    }

    long readVarLong() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = readUnsignedByte();
        if (shift == 63 && b > 1) {
          throw corrupt("a number longer than 64 bits");
        }
        value |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw corrupt("a number longer than 64 bits");
    }

    long readZigZag() {
      long v = readVarLong();
      return (v >>> 1) ^ -(v & 1);
    }

    long readLong() {
      if (remaining() < 8) {
        throw corrupt("the block ends early");
      }
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (bytes[pos++] & 0xFF);
      }
      return v;
    }

    /** A count of items that take at least {@code minBytes} each: at most what the remaining bytes can hold. */
    int readCount(int minBytes, String what) {
      long n = readVarLong();
      if (Long.compareUnsigned(n, remaining() / minBytes) > 0) {
        throw corrupt(Long.toUnsignedString(n) + " " + what + " cannot fit in the " + remaining() + " bytes left");
      }
      return (int) n;
    }

    int readIndex(int size) {
      long index = readVarLong();
      if (Long.compareUnsigned(index, size) >= 0) {
        throw corrupt("string " + Long.toUnsignedString(index) + " of " + size);
      }
      return (int) index;
    }

    String readString() {
      int length = readCount(1, "string bytes");
      var s = new String(bytes, pos, length, StandardCharsets.UTF_8);
      pos += length;
      return s;
    }
  }
}
