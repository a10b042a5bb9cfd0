package dev.outpost.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClockOffsetTest {
  @Test
  void theFastestFrameGivesTheOffset() {
    var clock = new ClockOffset();
    assertEquals(0, clock.estimate(), "no sample, no offset");
    // The hub is 5 s ahead; frames take 3, 40 and 1 ms on the way.
    clock.sample(105_000, 100_003);
    clock.sample(106_000, 101_040);
    clock.sample(107_000, 102_001);
    assertEquals(4_999, clock.estimate());
  }

  @Test
  void theEstimateFollowsAClockThatWasSetOnceOldSamplesLeaveTheWindow() {
    var clock = new ClockOffset();
    clock.sample(160_000, 100_000);   // a minute ahead
    for (int i = 0; i < ClockOffset.WINDOW; i++) {
      clock.sample(200_000 + i, 200_002 + i);   // set right: 2 ms transit
    }
    assertEquals(-2, clock.estimate());
  }
}
