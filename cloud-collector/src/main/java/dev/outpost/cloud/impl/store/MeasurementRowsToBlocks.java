package dev.outpost.cloud.impl.store;

import dev.outpost.protocol.State;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schema version 3: moves the rows of the old {@code measurement} table (one per measurement) into
 * {@code measurement_block} (created by V2) and drops the old table. Consecutive rows of one
 * machine become one block, cut where {@link BlockEncoder} cuts. Its statements are the
 * {@code v3-…} ones, frozen with the schema they were written for.
 */
final class MeasurementRowsToBlocks implements JavaMigration {
  private static final Logger LOG = LoggerFactory.getLogger(MeasurementRowsToBlocks.class);
  private static final int ROWS_PER_READ = 10_000;
  private static final State[] STATES = State.values();

  private final SqlStatements sql;

  MeasurementRowsToBlocks(SqlStatements sql) {
    this.sql = sql;
  }

  @Override
  public MigrationVersion getVersion() {
    return MigrationVersion.fromVersion("3");
  }

  @Override
  public String getDescription() {
    return "measurement rows to blocks";
  }

  @Override
  public Integer getChecksum() {
    return null;
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws SQLException {
    Connection c = context.getConnection();
    var encoder = new BlockEncoder();
    long rows = 0;
    long blocks = 0;
    try (var select = c.prepareStatement(sql.get("v3-select-measurement-rows"));
         var insert = c.prepareStatement(sql.get("v3-insert-block"))) {
      long after = -1;
      int machineId = -1;
      int read;
      do {
        read = 0;
        select.setLong(1, after);
        select.setInt(2, ROWS_PER_READ);
        try (var rs = select.executeQuery()) {
          while (rs.next()) {
            long key = rs.getLong(1);
            int rowMachine = (int) (key >>> JdbcMeasurementStore.SEQ_BITS);
            if (rowMachine != machineId) {
              blocks += insert(insert, machineId, encoder.finish());
              machineId = rowMachine;
            }
            int state = rs.getInt(4);
            if (state < 0 || state >= STATES.length) {
              throw new SQLException("measurement row " + key + " has no valid state: " + state);
            }
            encoder.add(key & JdbcMeasurementStore.MAX_SEQ, rs.getString(2), rs.getLong(3), STATES[state],
                JsonColumns.readValues(rs.getString(5)), rs.getString(6));
            after = key;
            read++;
          }
        }
        rows += read;
        blocks += insert(insert, machineId, encoder.finish());
      } while (read == ROWS_PER_READ);
    }
    try (var drop = c.createStatement()) {
      drop.execute(sql.get("v3-drop-measurement"));
    }
    if (rows > 0) {
      LOG.info("Moved {} stored measurements into {} blocks", rows, blocks);
    }
  }

  private static int insert(PreparedStatement insert, int machineId, List<Block> blocks) throws SQLException {
    if (blocks.isEmpty()) {
      return 0;
    }
    for (var block : blocks) {
      insert.setLong(1, ((long) machineId << JdbcMeasurementStore.SEQ_BITS) | block.firstSeq());
      insert.setInt(2, machineId);
      insert.setLong(3, block.firstSeq());
      insert.setLong(4, block.lastSeq());
      insert.setLong(5, block.minTime());
      insert.setLong(6, block.maxTime());
      insert.setString(7, block.sensors());
      insert.setBytes(8, block.data());
      insert.addBatch();
    }
    insert.executeBatch();
    return blocks.size();
  }
}
