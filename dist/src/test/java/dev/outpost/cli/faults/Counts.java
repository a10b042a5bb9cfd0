package dev.outpost.cli.faults;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end of a fault test: what the hub produced (its outbox file) against what the cloud stored
 * (its database file).
 *
 * @param produced measurements the hub recorded: the last sequence number its outbox gave
 * @param dropped  measurements the hub's outbox dropped because it was full
 * @param stored   what the cloud's database holds of the hub
 */
record Counts(long produced, long dropped, StoredMeasurements stored) {

  /** Every produced measurement is stored exactly once. */
  void assertExactlyOnce() {
    assertAll(summary(),
        () -> assertTrue(produced > 0, "the hub produced measurements"),
        () -> assertEquals(0, dropped, "dropped by the hub's outbox"),
        () -> assertEquals(0, stored.duplicates(), "duplicates in the cloud's database"),
        () -> assertEquals(produced, stored.stored(), "produced = stored"),
        () -> assertEquals(0, stored.missingUpTo(produced), "sequence numbers 1.." + produced + " not stored: " + stored.gapsText()),
        () -> assertEquals(produced, stored.maxSeq(), "the highest stored sequence number"),
        () -> assertEquals(0, stored.badBlocks(), "blocks whose data disagree with their sequence range"));
  }

  /** Every produced measurement is stored exactly once, except the ones the hub dropped, which it counted exactly. */
  void assertExactlyOnceExceptCountedDrops() {
    assertAll(summary(),
        () -> assertTrue(dropped > 0, "the hub's outbox dropped measurements (the fault was too short to fill it)"),
        () -> assertEquals(0, stored.duplicates(), "duplicates in the cloud's database"),
        () -> assertEquals(produced, stored.stored() + dropped, "produced = stored + dropped"),
        () -> assertEquals(dropped, stored.missingUpTo(produced), "sequence numbers 1.." + produced + " not stored: "
            + stored.gapsText()),
        () -> assertEquals(produced, stored.maxSeq(), "the highest stored sequence number"),
        () -> assertEquals(0, stored.badBlocks(), "blocks whose data disagree with their sequence range"));
  }

  String summary() {
    return "produced=" + produced + " stored=" + stored.stored() + " duplicates=" + stored.duplicates()
        + " dropped=" + dropped + " missing=" + stored.missingUpTo(produced) + " maxSeq=" + stored.maxSeq()
        + " blocks=" + stored.blocks() + " gaps=[" + stored.gapsText() + "]"
        + " (cloud's own counters: stored=" + stored.cloudStored() + ", repeats discarded=" + stored.cloudDiscarded() + ")";
  }
}
