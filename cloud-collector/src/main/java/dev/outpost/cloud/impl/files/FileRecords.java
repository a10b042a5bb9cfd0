package dev.outpost.cloud.impl.files;

import dev.outpost.cloud.impl.store.Database;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Files and transfers in the database ({@code stored_file}, {@code file_transfer}, migration V7). */
public final class FileRecords {
  /** A machine was sent the task. */
  public static final String SENT = "sent";
  /** The machine fetched the file and its SHA-256 matched. */
  public static final String VERIFIED = "verified";
  /** The machine's bundle arrived. */
  public static final String UPLOADED = "uploaded";
  public static final String FAILED = "failed";
  private static final int MAX_REASON = 300;

  private final Database db;

  public FileRecords(Database db) {
    this.db = db;
  }

  Future<Void> insert(StoredFile file) {
    return db.write(c -> {
      try (var ps = c.prepareStatement(db.sql("insert-file"))) {
        ps.setString(1, file.id());
        ps.setLong(2, file.organisationId());
        ps.setString(3, file.name());
        ps.setString(4, file.kind());
        setNullable(ps, 5, file.machine());
        ps.setString(6, file.state());
        if (file.stored()) {
          ps.setLong(7, file.size());
          ps.setString(8, file.sha256());
          ps.setLong(10, file.storedMs());
        } else {
          ps.setNull(7, Types.BIGINT);
          ps.setNull(8, Types.VARCHAR);
          ps.setNull(10, Types.BIGINT);
        }
        ps.setLong(9, file.createdMs());
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** Marks a waiting file stored; false if it was not waiting (stored already, or unknown). */
  Future<Boolean> stored(String id, long size, String sha256, long atMs) {
    return db.write(c -> {
      try (var ps = c.prepareStatement(db.sql("update-file-stored"))) {
        ps.setLong(1, size);
        ps.setString(2, sha256);
        ps.setLong(3, atMs);
        ps.setString(4, id);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /** The file, or null. */
  public Future<StoredFile> file(String id) {
    return db.read(c -> {
      try (var ps = c.prepareStatement(db.sql("select-file"))) {
        ps.setString(1, id);
        try (var rs = ps.executeQuery()) {
          return rs.next() ? file(rs) : null;
        }
      }
    });
  }

  /** The newest files of an organisation, newest first. */
  public Future<List<StoredFile>> files(long organisationId, int limit) {
    return db.read(c -> {
      try (var ps = c.prepareStatement(db.sql("select-files"))) {
        ps.setLong(1, organisationId);
        ps.setInt(2, limit);
        var files = new ArrayList<StoredFile>();
        try (var rs = ps.executeQuery()) {
          while (rs.next()) {
            files.add(file(rs));
          }
        }
        return files;
      }
    });
  }

  /** Records where a machine's part in a file stands. */
  public Future<Void> transfer(String fileId, String machine, String state, String reason) {
    return db.write(c -> {
      try (var ps = c.prepareStatement(db.sql("merge-transfer"))) {
        ps.setString(1, fileId);
        ps.setString(2, machine);
        ps.setString(3, state);
        setNullable(ps, 4, reason == null || reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON));
        ps.setLong(5, System.currentTimeMillis());
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** Each machine's part in a file, as the API shows it. */
  public Future<JsonArray> transfers(String fileId) {
    return db.read(c -> {
      try (var ps = c.prepareStatement(db.sql("select-transfers"))) {
        ps.setString(1, fileId);
        var array = new JsonArray();
        try (var rs = ps.executeQuery()) {
          while (rs.next()) {
            array.add(new JsonObject()
                .put("machine", rs.getString(1))
                .put("state", rs.getString(2))
                .put("reason", rs.getString(3))
                .put("updatedAt", Instant.ofEpochMilli(rs.getLong(4)).toString()));
          }
        }
        return array;
      }
    });
  }

  private static StoredFile file(ResultSet rs) throws SQLException {
    long size = rs.getLong(7);
    if (rs.wasNull()) {
      size = -1;
    }
    return new StoredFile(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), size, rs.getString(8), rs.getLong(9), rs.getLong(10));
  }

  private static void setNullable(PreparedStatement ps, int index, String value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, value);
    }
  }
}
