package dev.outpost.cloud.impl.access;

import dev.outpost.cloud.impl.store.Database;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Types;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit of remote sessions in the database ({@code session_audit}): every request with who
 * asked, for which machine and target; then the relay and start, or why it was refused; then the
 * end with the bytes each way and why it ended. Writes never hold up a session: a failed write is
 * logged (without secrets) and the session goes on.
 */
final class SessionAudit {
  private static final Logger LOG = LoggerFactory.getLogger(SessionAudit.class);
  private static final int MAX_REASON = 300;
  private final Database db;

  SessionAudit(Database db) {
    this.db = db;
  }

  /** A request; {@code refused} is null while it may still open. */
  Future<Void> requested(String id, long organisationId, String user, boolean support, String machineUid, String device,
                         String target, long atMs, String refused) {
    return write("insert-session-audit", ps -> {
      ps.setString(1, id);
      ps.setLong(2, organisationId);
      ps.setString(3, user);
      ps.setBoolean(4, support);
      if (machineUid == null) {
        ps.setNull(5, Types.VARCHAR);
      } else {
        ps.setString(5, machineUid);
      }
      ps.setString(6, cut(device));
      ps.setString(7, cut(target));
      ps.setLong(8, atMs);
      ps.setString(9, refused == null ? "requested" : "refused");
      ps.setString(10, refused == null ? null : cut(refused));
    });
  }

  Future<Void> started(String id, String relay, long atMs) {
    return write("update-session-started", ps -> {
      ps.setString(1, relay);
      ps.setLong(2, atMs);
      ps.setString(3, id);
    });
  }

  Future<Void> refused(String id, String reason, long atMs) {
    return write("update-session-refused", ps -> {
      ps.setString(1, cut(reason));
      ps.setLong(2, atMs);
      ps.setString(3, id);
    });
  }

  /**
   * The device end refused a stream inside a session: counted, the last one kept with why. Only the
   * session's own connector counts (the row's machine); the report may come after the session ended.
   */
  Future<Void> streamRefused(String id, String connectorUid, String target, String reason) {
    return write("update-session-stream-refused", ps -> {
      ps.setString(1, cut(target + ": " + reason));
      ps.setString(2, id);
      ps.setString(3, connectorUid);
    });
  }

  /** The end; byte counts only grow (the relay's and the device's reports may both arrive). */
  Future<Void> ended(String id, long atMs, long bytesToDevice, long bytesFromDevice, String reason) {
    return write("update-session-ended", ps -> {
      ps.setLong(1, atMs);
      ps.setLong(2, bytesToDevice);
      ps.setLong(3, bytesFromDevice);
      ps.setString(4, reason == null ? null : cut(reason));
      ps.setString(5, id);
    });
  }

  /** How long the refusals of relays are kept. */
  static final java.time.Duration KEEP_REFUSALS = java.time.Duration.ofDays(90);

  /** A connection a relay of this organisation refused; refusals older than {@link #KEEP_REFUSALS} go. */
  Future<Void> relayRefused(long organisationId, String relay, String sessionId, String address, String reason,
                            int suppressed, long atMs) {
    return db.<Void>write(c -> {
      try (var insert = c.prepareStatement(db.sql("insert-relay-refusal"));
           var delete = c.prepareStatement(db.sql("delete-old-relay-refusals"))) {
        insert.setLong(1, organisationId);
        insert.setString(2, relay);
        insert.setString(3, sessionId == null ? null : cut(sessionId));
        insert.setString(4, address == null ? null : address.length() > 64 ? address.substring(0, 64) : address);
        insert.setString(5, cut(reason));
        insert.setInt(6, suppressed);
        insert.setLong(7, atMs);
        insert.executeUpdate();
        delete.setLong(1, System.currentTimeMillis() - KEEP_REFUSALS.toMillis());
        delete.executeUpdate();
      }
      return null;
    }).onFailure(e -> LOG.error("cannot write a relay refusal to the audit: {}", e.getMessage()));
  }

  /** The newest refusals of the organisation's relays, newest first. */
  Future<JsonArray> relayRefusals(long organisationId, int limit) {
    return newest("select-relay-refusals", organisationId, limit, rs -> new JsonObject()
        .put("relay", rs.getString(1))
        .put("session", rs.getString(2))
        .put("address", rs.getString(3))
        .put("reason", rs.getString(4))
        .put("suppressed", rs.getInt(5))
        .put("at", time(rs.getLong(6), false)));
  }

  /** The newest sessions of an organisation, newest first. */
  Future<JsonArray> list(long organisationId, int limit) {
    return newest("select-session-audit", organisationId, limit, rs -> new JsonObject()
        .put("id", rs.getString(1))
        .put("user", rs.getString(2))
        .put("support", rs.getBoolean(3))
        .put("machine", rs.getString(4))
        .put("device", rs.getString(5))
        .put("target", rs.getString(6))
        .put("relay", rs.getString(7))
        .put("requestedAt", time(rs.getLong(8), false))
        .put("startedAt", time(rs.getLong(9), rs.wasNull()))
        .put("endedAt", time(rs.getLong(10), rs.wasNull()))
        .put("bytesToDevice", rs.getLong(11))
        .put("bytesFromDevice", rs.getLong(12))
        .put("outcome", rs.getString(13))
        .put("reason", rs.getString(14))
        .put("streamsRefused", rs.getInt(15))
        .put("lastStreamRefused", rs.getString(16)));
  }

  private interface Row {
    JsonObject read(java.sql.ResultSet rs) throws java.sql.SQLException;
  }

  /** The rows of a {@code WHERE organisation_id = ? … LIMIT ?} statement, as JSON. */
  private Future<JsonArray> newest(String statement, long organisationId, int limit, Row row) {
    return db.read(c -> {
      try (var ps = c.prepareStatement(db.sql(statement))) {
        ps.setLong(1, organisationId);
        ps.setInt(2, limit);
        var array = new JsonArray();
        try (var rs = ps.executeQuery()) {
          while (rs.next()) {
            array.add(row.read(rs));
          }
        }
        return array;
      }
    });
  }

  private static String time(long ms, boolean isNull) {
    return isNull ? null : Instant.ofEpochMilli(ms).toString();
  }

  private interface Setter {
    void set(java.sql.PreparedStatement ps) throws java.sql.SQLException;
  }

  private Future<Void> write(String statement, Setter setter) {
    return db.<Void>write(c -> {
      try (var ps = c.prepareStatement(db.sql(statement))) {
        setter.set(ps);
        ps.executeUpdate();
      }
      return null;
    }).onFailure(e -> LOG.error("cannot write the session audit ({}): {}", statement, e.getMessage()));
  }

  private static String cut(String text) {
    return text.length() > MAX_REASON ? text.substring(0, MAX_REASON) : text;
  }
}
