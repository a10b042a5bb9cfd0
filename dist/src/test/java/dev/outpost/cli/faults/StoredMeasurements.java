package dev.outpost.cli.faults;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the cloud's database holds of one source machine, read with plain JDBC from the H2 file
 * after the cloud process has stopped, independent of the cloud's own counters.
 *
 * <p>Measurements are stored in {@code measurement_block} rows, each holding the run of sequence
 * numbers {@code first_seq..last_seq} of one source. Stored = the sum of the runs; a sequence number
 * that two rows hold is a duplicate; sequence numbers that no row holds are gaps. Every row's
 * encoded data is checked to hold as many measurements as its run says.
 *
 * @param blocks          rows of the source
 * @param stored          measurements in those rows (sequence numbers counted with repeats)
 * @param duplicates      sequence numbers held by more than one row, counted once per extra copy
 * @param maxSeq          the highest sequence number stored
 * @param gaps            runs of sequence numbers from 1 to {@code maxSeq} that no row holds, {@code [first, last]}
 * @param badBlocks       rows whose encoded data holds another number of measurements than their run
 * @param cloudStored     the cloud's own {@code source_progress.stored} (for comparison only)
 * @param cloudDiscarded  the cloud's own {@code source_progress.duplicates}: repeats it received and discarded
 */
record StoredMeasurements(long blocks, long stored, long duplicates, long maxSeq, List<long[]> gaps, long badBlocks,
                          long cloudStored, long cloudDiscarded) {

  /** Measurements of sequence numbers 1 to {@code produced} that are not stored. */
  long missingUpTo(long produced) {
    long missing = Math.max(0, produced - maxSeq);
    for (long[] gap : gaps) {
      if (gap[0] <= produced) {
        missing += Math.min(gap[1], produced) - gap[0] + 1;
      }
    }
    return missing;
  }

  /** The first few gaps, for messages. */
  String gapsText() {
    var text = new StringBuilder();
    for (int i = 0; i < Math.min(gaps.size(), 10); i++) {
      text.append(i == 0 ? "" : ", ").append(gaps.get(i)[0]).append("..").append(gaps.get(i)[1]);
    }
    return gaps.size() > 10 ? text + ", … (" + gaps.size() + " gaps)" : text.toString();
  }

  /** Reads the measurements of the machine with this uid from the cloud's database in its data folder. */
  static StoredMeasurements read(Path cloudDataDir, String sourceUid) {
    // The database the cloud opens: DATA/cloud/outpost(.mv.db), user outpost, no password.
    String url = "jdbc:h2:file:" + cloudDataDir.toAbsolutePath().resolve("cloud").resolve("outpost") + ";IFEXISTS=TRUE";
    try (var c = DriverManager.getConnection(url, "outpost", "")) {
      int machineId;
      try (var ps = c.prepareStatement("SELECT id FROM machine WHERE uid = ?")) {
        ps.setString(1, sourceUid);
        try (var rs = ps.executeQuery()) {
          if (!rs.next()) {
            return new StoredMeasurements(0, 0, 0, 0, List.of(), 0, 0, 0);
          }
          machineId = rs.getInt(1);
        }
      }
      long blocks = 0;
      long stored = 0;
      long duplicates = 0;
      long covered = 0;
      long badBlocks = 0;
      var gaps = new ArrayList<long[]>();
      try (var ps = c.prepareStatement(
          "SELECT first_seq, last_seq, data FROM measurement_block WHERE machine_id = ? ORDER BY first_seq, last_seq")) {
        ps.setInt(1, machineId);
        try (var rs = ps.executeQuery()) {
          while (rs.next()) {
            long first = rs.getLong(1);
            long last = rs.getLong(2);
            long count = last - first + 1;
            blocks++;
            stored += count;
            if (encodedCount(rs.getBytes(3)) != count) {
              badBlocks++;
            }
            if (first > covered + 1) {
              gaps.add(new long[] {covered + 1, first - 1});
            }
            duplicates += Math.max(0, Math.min(last, covered) - first + 1);
            covered = Math.max(covered, last);
          }
        }
      }
      long cloudStored = 0;
      long cloudDiscarded = 0;
      try (var ps = c.prepareStatement("SELECT stored, duplicates FROM source_progress WHERE machine_id = ?")) {
        ps.setInt(1, machineId);
        try (var rs = ps.executeQuery()) {
          if (rs.next()) {
            cloudStored = rs.getLong(1);
            cloudDiscarded = rs.getLong(2);
          }
        }
      }
      return new StoredMeasurements(blocks, stored, duplicates, covered, gaps, badBlocks, cloudStored, cloudDiscarded);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the cloud's database in " + cloudDataDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The number of measurements a block's data says it holds. The format (version 1, see the cloud's
   * BlockEncoder): a version byte, a varint count of strings, each a varint length and its bytes,
   * then the varint count of measurements. -1 if the data cannot be read that far.
   */
  static long encodedCount(byte[] data) {
    if (data == null || data.length == 0 || data[0] != 1) {
      return -1;
    }
    int[] pos = {1};
    long strings = varint(data, pos);
    for (long i = 0; i < strings && pos[0] >= 0; i++) {
      long length = varint(data, pos);
      if (length < 0 || length > data.length) {
        return -1;
      }
      pos[0] += (int) length;
    }
    return pos[0] < 0 || pos[0] >= data.length ? -1 : varint(data, pos);
  }

  private static long varint(byte[] data, int[] pos) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] < 0 || pos[0] >= data.length) {
        pos[0] = -1;
        return -1;
      }
      int b = data[pos[0]++] & 0xFF;
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    pos[0] = -1;
    return -1;
  }
}
