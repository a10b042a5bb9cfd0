package dev.outpost.cloud.impl.store;

/**
 * One row of {@code measurement_block}: consecutive measurements of one source machine, encoded by
 * {@link BlockEncoder}.
 *
 * @param firstSeq sequence number of the first measurement
 * @param lastSeq  sequence number of the last one; the block holds {@code lastSeq - firstSeq + 1}
 * @param minTime  the earliest measurement time (epoch ms)
 * @param maxTime  the latest; never more than {@link BlockEncoder#MAX_SPAN_MS} after {@code minTime}
 * @param sensors  the block's sensor ids as {@code ",a,b,"}, or null if that list would be too long
 * @param data     the encoded measurements
 */
record Block(long firstSeq, long lastSeq, long minTime, long maxTime, String sensors, byte[] data) {

  /** How many measurements the block holds. */
  int count() {
    return (int) (lastSeq - firstSeq + 1);
  }

  /** What the {@code sensors} column is searched for to find the blocks of one sensor. */
  static String sensorPattern(String sensor) {
    return "," + sensor + ",";
  }
}
