package dev.outpost.cloud.impl.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.cloud.MeasurementStore.Stored;
import dev.outpost.protocol.State;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link BlockEncoder} and {@link BlockDecoder}: what goes in comes out, where blocks are cut, and damage. */
class BlockFormatTest {
  static final long T0 = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();

  static Stored stored(String sensor, long time, State state, Map<String, Double> values, String message) {
    return new Stored(sensor, Instant.ofEpochMilli(time), state, values, message);
  }

  static List<Block> encode(long firstSeq, List<Stored> measurements) {
    var encoder = new BlockEncoder();
    long seq = firstSeq;
    for (var m : measurements) {
      encoder.add(seq++, m.sensor(), m.time().toEpochMilli(), m.state(), m.values(), m.message());
    }
    return encoder.finish();
  }

  static List<Stored> decode(List<Block> blocks) {
    var all = new ArrayList<Stored>();
    blocks.forEach(b -> all.addAll(BlockDecoder.decodeAll(b.data(), b.count())));
    return all;
  }

  static List<Stored> sample() {
    return List.of(
        stored("cpu", T0, State.OK, Map.of("load", 0.25, "cores", 8.0), "fine"),
        stored("cpu", T0 + 30_000, State.WARNING, Map.of("load", 0.0, "negativeZero", -0.0, "minus", -3.0), "busy"),
        stored("disk.root", T0 - 20_000, State.ERROR, Map.of(), "Grüße ✓ — no disk"),
        stored("memory", T0 + 1, State.OK, Map.of("big", 9_007_199_254_740_992.0, "bigger", 9_007_199_254_740_994.0,
            "huge", 1e300, "tiny", Double.MIN_VALUE, "tenth", 0.1, "longMax", (double) Long.MAX_VALUE, "most", -Double.MAX_VALUE), ""),
        stored("cpu", T0 + 2, State.OK, Map.of("load", 0.25), "fine"));
  }

  @Test
  void whatIsEncodedIsDecodedExactly() {
    var blocks = encode(41, sample());

    assertEquals(1, blocks.size());
    var block = blocks.get(0);
    assertEquals(41, block.firstSeq());
    assertEquals(45, block.lastSeq());
    assertEquals(T0 - 20_000, block.minTime());
    assertEquals(T0 + 30_000, block.maxTime());
    assertEquals(",cpu,disk.root,memory,", block.sensors());
    var decoded = BlockDecoder.decodeAll(block.data(), 5);
    assertEquals(sample(), decoded);
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(decoded.get(1).values().get("negativeZero")));
  }

  @Test
  void repeatedStringsAreWrittenOnce() {
    var measurements = new ArrayList<Stored>();
    for (int i = 0; i < 1000; i++) {
      measurements.add(stored("memory.used", T0 + i * 50L, State.OK, Map.of("usedPercent", 40.5 + i % 7, "bytes", 1e9 + i), "all fine"));
    }
    var data = encode(1, measurements).get(0).data();

    assertTrue(data.length < 1000 * 24, data.length + " bytes for 1000 measurements");
  }

  @Test
  void theDecoderPicksBySensorAndTimeWithPositions() {
    var block = encode(1, sample()).get(0);
    var picked = new ArrayList<Integer>();

    BlockDecoder.decode(block.data(), 5, "cpu", T0, T0 + 2, (position, m) -> picked.add(position));

    assertEquals(List.of(0, 4), picked);
  }

  @Test
  void blocksAreCutAtGapsInSequenceNumbersAndLongSpans() {
    var encoder = new BlockEncoder();
    encoder.add(1, "a", T0, State.OK, Map.of(), "");
    encoder.add(2, "a", T0 + BlockEncoder.MAX_SPAN_MS, State.OK, Map.of(), "");
    encoder.add(4, "a", T0, State.OK, Map.of(), "");
    encoder.add(5, "b", T0 - BlockEncoder.MAX_SPAN_MS - 1, State.OK, Map.of(), "");
    encoder.add(6, "b", T0 - 5, State.OK, Map.of(), "");
    var blocks = encoder.finish();

    assertEquals(List.of("1-2 " + T0 + ".." + (T0 + BlockEncoder.MAX_SPAN_MS), "4-4 " + T0 + ".." + T0,
        "5-6 " + (T0 - BlockEncoder.MAX_SPAN_MS - 1) + ".." + (T0 - 5)),
        blocks.stream().map(b -> b.firstSeq() + "-" + b.lastSeq() + " " + b.minTime() + ".." + b.maxTime()).toList());
    assertEquals(",b,", blocks.get(2).sensors());
    assertEquals(List.of(), encoder.finish(), "finish hands over each block once");
  }

  @Test
  void blocksAreCutByCountAndSize() {
    var encoder = new BlockEncoder();
    for (int i = 0; i < BlockEncoder.MAX_MEASUREMENTS + 1; i++) {
      encoder.add(1 + i, "a", T0, State.OK, Map.of("v", (double) i), "");
    }
    assertEquals(List.of(BlockEncoder.MAX_MEASUREMENTS, 1), encoder.finish().stream().map(Block::count).toList());

    for (int i = 0; i < 1000; i++) {
      encoder.add(1 + i, "a", T0, State.OK, Map.of(), i + " " + "x".repeat(490));
    }
    var bySize = encoder.finish();
    assertTrue(bySize.size() > 1);
    assertTrue(bySize.stream().allMatch(b -> b.data().length < BlockEncoder.MAX_BYTES + 1000), "about MAX_BYTES at most");
    assertEquals(1000, decode(bySize).size());
  }

  @Test
  void aLongSensorListIsLeftOut() {
    var encoder = new BlockEncoder();
    for (int i = 0; i < 20; i++) {
      encoder.add(1 + i, i + "-" + "s".repeat(60), T0, State.OK, Map.of(), "");
    }
    assertNull(encoder.finish().get(0).sensors());
  }

  @Test
  void everyTruncationFailsWithCorruptBlockException() {
    var block = encode(1, sample()).get(0);
    for (int length = 0; length < block.data().length; length++) {
      byte[] cut = Arrays.copyOf(block.data(), length);
      assertThrows(CorruptBlockException.class, () -> BlockDecoder.decodeAll(cut, 5), "cut to " + length + " bytes");
    }
    byte[] longer = Arrays.copyOf(block.data(), block.data().length + 1);
    var trailing = assertThrows(CorruptBlockException.class, () -> BlockDecoder.decodeAll(longer, 5));
    assertTrue(trailing.getMessage().contains("after the last measurement"), trailing.getMessage());
  }

  @Test
  void damagedBytesFailWithCorruptBlockExceptionOrStillDecode() {
    var data = encode(1, sample()).get(0).data();
    var random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      byte[] damaged = data.clone();
      for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
        damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
      }
      try {
        assertEquals(5, BlockDecoder.decodeAll(damaged, 5).size());
      } catch (CorruptBlockException expected) {
        // the only failure allowed
      }
    }
  }

  @Test
  void absurdCountsAndUnknownVersionsAreRefusedWithoutAllocating() {
    byte[] hugeStringTable = {1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 0};
    var strings = assertThrows(CorruptBlockException.class, () -> BlockDecoder.decodeAll(hugeStringTable, 1));
    assertTrue(strings.getMessage().contains("strings cannot fit"), strings.getMessage());

    byte[] hugeCount = {1, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01};
    var count = assertThrows(CorruptBlockException.class, () -> BlockDecoder.decodeAll(hugeCount, 1));
    assertTrue(count.getMessage().contains("measurements cannot fit"), count.getMessage());

    byte[] tooLongNumber = {1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x02};
    assertThrows(CorruptBlockException.class, () -> BlockDecoder.decodeAll(tooLongNumber, 1));

    var data = encode(1, sample()).get(0).data();
    var wrongCount = assertThrows(CorruptBlockException.class, () -> BlockDecoder.decodeAll(data, 6));
    assertTrue(wrongCount.getMessage().contains("holds 5 measurements where its row says 6"), wrongCount.getMessage());

    byte[] future = data.clone();
    future[0] = 2;
    var version = assertThrows(CorruptBlockException.class, () -> BlockDecoder.decodeAll(future, 5));
    assertTrue(version.getMessage().contains("unknown format version 2"), version.getMessage());
    assertThrows(CorruptBlockException.class, () -> BlockDecoder.decodeAll(new byte[0], 0));
  }

  @Test
  void theEncoderIsReusedWithoutLeftovers() {
    var encoder = new BlockEncoder();
    encoder.add(1, "a", T0, State.OK, Map.of("x", 1.5), "one");
    var first = encoder.finish().get(0);
    encoder.add(1, "a", T0, State.OK, Map.of("x", 1.5), "one");
    assertArrayEquals(first.data(), encoder.finish().get(0).data());
  }
}
