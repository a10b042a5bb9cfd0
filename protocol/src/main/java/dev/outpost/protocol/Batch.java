package dev.outpost.protocol;

import java.util.List;

/**
 * A run of consecutive measurements of one source machine. The i-th measurement has sequence
 * number {@code firstSeq + i}; sequence numbers start at 1 and grow by one per measurement for
 * the machine's whole life, so a receiver recognises repeats by (source uid, sequence number).
 *
 * @param source       the machine that produced the measurements
 * @param firstSeq     sequence number of the first measurement
 * @param measurements at least one
 */
public record Batch(MachineRef source, long firstSeq, List<Measurement> measurements) {
  public Batch {
    Wire.require(source != null, "source is required");
    Wire.require(firstSeq >= 1, "firstSeq must be at least 1");
    Wire.require(measurements != null && !measurements.isEmpty(), "a batch holds at least one measurement");
    measurements = List.copyOf(measurements);
  }

  /** Sequence number of the last measurement. */
  public long lastSeq() {
    return firstSeq + measurements.size() - 1;
  }
}
