package dev.outpost.cloud.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The estimate of clock offsets from upload samples, and the correction of measurement times. */
class ClocksTest {
  static final long T0 = 1_800_000_000_000L;
  final Clocks clocks = new Clocks(Duration.ofSeconds(2));

  @Test
  void theEstimateIsTheLargestSampleBecauseTransitOnlyEverLowersOne() {
    clocks.sampled("conn", T0 + 10_000 - 40, T0);
    clocks.sampled("conn", T0 + 1_000 + 10_000 - 5, T0 + 1_000);
    var estimate = clocks.sampled("conn", T0 + 2_000 + 10_000 - 900, T0 + 2_000);
    assertEquals(new Clocks.Offset(9_995, T0 + 2_000), estimate);
    assertEquals(estimate, clocks.offset("conn"));
  }

  @Test
  void samplesOlderThanTheWindowNoLongerCountButTheNewestAlwaysDoes() {
    clocks.sampled("conn", T0 + 60_000, T0);
    long later = T0 + Clocks.WINDOW.toMillis() + 1;
    assertEquals(100, clocks.sampled("conn", later + 100, later).offsetMs(), "the clock was set right; the old sample is gone");
    long muchLater = later + Duration.ofDays(1).toMillis();
    assertEquals(50, clocks.sampled("conn", muchLater + 50, muchLater).offsetMs());
  }

  @Test
  void atMostTheLastSamplesCount() {
    clocks.sampled("conn", T0 + 60_000, T0);
    for (int i = 1; i < Clocks.MAX_SAMPLES; i++) {
      assertEquals(60_000, clocks.sampled("conn", T0 + i + 10, T0 + i).offsetMs());
    }
    assertEquals(10, clocks.sampled("conn", T0 + Clocks.MAX_SAMPLES + 10, T0 + Clocks.MAX_SAMPLES).offsetMs());
  }

  @Test
  void aHubBehindAConnectorIsOffByItsOffsetToTheConnectorPlusTheConnectors() {
    var connector = clocks.sampled("conn", T0 + 600_000, T0);
    clocks.relayed("hub", -3_000, connector);
    assertEquals(new Clocks.Offset(597_000, T0), clocks.offset("hub"));
    assertNull(clocks.offset("other"));
    clocks.relayed("huge", Long.MAX_VALUE, connector);
    assertEquals(Long.MAX_VALUE, clocks.offset("huge").offsetMs(), "saturates");
  }

  @Test
  void onlyAnOffsetBeyondTheLimitEitherWayIsSkewedAndCorrected() {
    clocks.sampled("exact", T0 + 2_000, T0);
    clocks.sampled("ahead", T0 + 2_001, T0);
    clocks.sampled("behind", T0 - 2_001, T0);
    assertFalse(clocks.isSkewed(clocks.offset("exact")));
    assertTrue(clocks.isSkewed(clocks.offset("ahead")));
    assertTrue(clocks.isSkewed(clocks.offset("behind")));
    assertFalse(clocks.isSkewed(null));
    assertEquals(0, clocks.correctionOf("exact"));
    assertEquals(2_001, clocks.correctionOf("ahead"));
    assertEquals(-2_001, clocks.correctionOf("behind"));
    assertEquals(0, clocks.correctionOf("unknown"));
    assertEquals(2, clocks.skewedCount());
  }

  @Test
  void aCorrectedTimeStaysAfterTheEpoch() {
    assertEquals(T0 - 2_001, Clocks.corrected(T0, 2_001));
    assertEquals(T0 + 2_001, Clocks.corrected(T0, -2_001));
    assertEquals(1, Clocks.corrected(1_000, 5_000));
    assertEquals(1, Clocks.corrected(1_000, Long.MAX_VALUE));
    assertEquals(Long.MAX_VALUE, Clocks.corrected(T0, Long.MIN_VALUE));
  }
}
